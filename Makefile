# Two entry points (see README):
#   make demo   set up, build release, build the built-in default release into ./release and verify it
#   make test   set up, build, run every Swift test, then the Python package's tests
.PHONY: setup build release demo test swift-test python-test bench repro-check clean

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

test: swift-test python-test

# Builds the default release under every pinnable code path (BLAS kernels, SISR_ISA) vs CHECKSUMS.
repro-check: release
	bash Scripts/check_reproducibility.sh .build/release/sisr

bench: release
	bash Benchmarks/run_all.sh

clean:
	rm -rf .build release
