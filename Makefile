# Two entry points (see README):
#   make demo   set up, build release, build the built-in default release into ./release and verify it
#   make test   set up, build, run every Swift test, the Python package's tests, then every README example
.PHONY: setup build release demo test swift-test python-test readme-test bench repro-check clean demo-zoo-train training-fixtures training-check

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

# Training against PyTorch/BasicSR (not in make test: needs torch and BasicSR's sources,
# BASICSR_SRC=<unpacked basicsr-1.4.2 sdist> when basicsr is not installed).
training-fixtures:
	python3 Scripts/make_training_fixtures.py

training-check: build
	python3 Scripts/check_training_checkpoints.py --sisr .build/debug/sisr

clean:
	rm -rf .build release

# The demo zoo's trained networks (manifests/demo-training/*.yml): procedural training and test images,
# then sisr train for each option file into demo-runs/ (long: run on a quiet machine).
demo-zoo-train: release
	.build/release/sisr procedural --seed 1 --count 64 --width 128 --height 128 datasets/demo/train_HR
	.build/release/sisr procedural --seed 0 --count 30 --width 128 --height 96 datasets/demo/test_HR
	for f in manifests/demo-training/*.yml; do .build/release/sisr train $$f --out demo-runs || exit 1; done
