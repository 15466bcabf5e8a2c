# Two entry points (see README):
#   make demo   set up, build release, build the built-in default release into ./release and verify it
#   make test   set up, build, run every Swift test, the Python package's tests, then every README example
.PHONY: setup build release demo test swift-test python-test readme-test bench repro-check clean

setup:
	@bash Scripts/setup.sh

build: setup
	swift build

release: setup
	swift build -c release

demo: release
	.build/release/sisr build --out release --force
	.build/release/sisr verify release

swift-test: setup
	swift build --build-tests
	swift test --skip-build

python-test: swift-test
	bash Scripts/python-tests.sh

# Every command block of README.md and python/README.md, and the hints sisr prints, run from a scratch
# folder outside the checkout (skipped commands are listed with the reason).
readme-test: swift-test
	@if command -v python3 >/dev/null 2>&1; then python3 Scripts/readme_examples.py --bin .build/debug; \
	else echo "readme-test: python3 not found, skipped"; fi

test: swift-test python-test readme-test

# Builds the default release under every pinnable code path (BLAS kernels, SISR_ISA) vs CHECKSUMS.
repro-check: release
	bash Scripts/check_reproducibility.sh .build/release/sisr

bench: release
	bash Benchmarks/run_all.sh

clean:
	rm -rf .build release
