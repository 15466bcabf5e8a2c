# Two entry points (see README):
#   make demo   set up, build release, build the built-in default release into ./release and verify it
#   make test   set up, build, run every Swift test, the Python package's tests, every README example,
#               then each fuzz harness for 20 s (see Fuzz/run.sh)
#   make fuzz   each fuzz harness for FUZZ_SECONDS (default 300)
.PHONY: setup python-deps build release demo test swift-test python-test readme-test fuzz-build fuzz fuzz-ci bench repro-check clean demo-zoo-train demo-zoo-check demo-zoo-hashes training-fixtures training-check test-training test-recipe

setup:
	@bash Scripts/setup.sh

build: setup
	swift build

release: setup
	swift build -c release

demo: release
	.build/release/sisr build --out release --force
	.build/release/sisr verify release

# The small Python packages that tests use to check our files independently (check_release.py, Pillow
# decoding our PNGs, the README's examples); tests that need them are skipped, with the reason, without.
python-deps:
	@if command -v python3 >/dev/null 2>&1; then \
	  python3 -m pip install --quiet --disable-pip-version-check numpy pytest zstandard Pillow 2>&1 | grep -v "Running pip as the 'root'" || true; \
	else echo "python-deps: python3 not found; the tests that need it are skipped"; fi

swift-test: setup python-deps
	swift build --build-tests
	swift test --skip-build

python-test: swift-test
	bash Scripts/python-tests.sh

# Every command block of README.md and python/README.md, and the hints sisr prints, run from a scratch
# folder outside the checkout (skipped commands are listed with the reason). A Python block that imports torch is skipped,
# with the reason, when torch is not installed.
readme-test: swift-test
	@if command -v python3 >/dev/null 2>&1; then \
	  python3 Scripts/readme_examples.py --bin .build/debug; \
	else echo "readme-test: python3 not found, skipped"; fi

fuzz-build: build
	bash Fuzz/build.sh

fuzz: fuzz-build
	FUZZ_SECONDS=$${FUZZ_SECONDS:-300} bash Fuzz/run.sh

fuzz-ci: fuzz-build
	FUZZ_SECONDS=20 bash Fuzz/run.sh

test: swift-test python-test readme-test fuzz-ci

# Not in CI: BasicSR 1.4.2 from PyPI, its own training entry point on CPU, collect, build, compare.
test-training: setup
	bash Scripts/test-training.sh

# Not in CI: the paper's ConvNeXt recipe (python -m sisr_loader.train) for a few steps on CPU on the
# built-in release, scored by sisr evaluate (Tests/python-torch; needs torch + torchvision, which it
# installs from PyPI when missing; 5-7 minutes on 2 cores).
test-recipe: build
	bash Scripts/test-recipe.sh

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
	rm -rf .build .build-fuzz release

# The demo zoo's trained networks (manifests/demo-training/*.yml): train them all and write their
# checkpoints to manifests/demo-weights/ and their SHA-256 table into DemoZoo.swift, or retrain them all and check
# each byte for byte against the committed files (about 1 hour of CPU; see Scripts/demo_zoo.sh).
demo-zoo-train: release
	bash Scripts/demo_zoo.sh train

demo-zoo-check: release
	bash Scripts/demo_zoo.sh check

# Rewrites DemoZoo.checkpointHashes from manifests/demo-weights/ (demo-zoo-train does it after training).
demo-zoo-hashes:
	bash Scripts/demo_zoo.sh hashes
