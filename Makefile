# Zoo: the two commands a new machine needs are `make bench` (the main job) and `make test`.
# Both install what is missing first: Debian packages (scripts/system-deps.sh), the pinned Python
# environment (scripts/python-env.sh) and the Keras reference files (scripts/golden.sh), the last
# two cached under ~/.cache/zoo and reused while their inputs are unchanged.

SWIFT_FLAGS := -c release
ZOO := .build/release/zoo
SUITE_OUT := Benchmarks/results/suite
# Repeats sized so that the whole of `make bench` stays under 30 minutes on 2 cores; override for tighter
# intervals, e.g. `make latency-bench LATENCY_OPTIONS=` runs latency.py's defaults (about 17 minutes alone).
LATENCY_OPTIONS ?= --rounds 2 --runs-b1 15 --runs-b16 3
TRAINING_OPTIONS ?= --steps 10 --warmup 2

.PHONY: test test-asan test-tsan other-kernel-paths fuzz fuzz-check bad-inputs bench build deps suite-bench convert-bench data-bench latency-bench training-bench notebook-scale clean

deps:
	@scripts/system-deps.sh

build: deps
	swift build $(SWIFT_FLAGS)

# Every test, against references that Keras itself wrote. The release build (tests included) runs
# while Python prepares the references (each leaves a core idle part of the time); its output is shown
# at the end, or in full if it fails. `swift test --skip-build` then runs what it built: without it
# `swift test` compiled the whole package a second time with its own flags.
test: deps
	@mkdir -p .build && \
	{ swift build $(SWIFT_FLAGS) -Xswiftc -enable-testing --build-tests > .build/make-test-build.log 2>&1 & build=$$!; } && \
	finish_build() { wait $$build || { cat .build/make-test-build.log; echo "make test: swift build failed" >&2; return 1; }; \
	                 tail -n 2 .build/make-test-build.log; } && \
	{ ZOO_PYTHON="$$(scripts/python-env.sh | tail -n1)" && \
	  ZOO_GOLDEN="$$(ZOO_PYTHON=$$ZOO_PYTHON scripts/golden.sh | tail -n1)" && \
	  ZOO_GOLDEN_ACTIVATIONS="$$(ZOO_PYTHON=$$ZOO_PYTHON scripts/golden-activations.sh | tail -n1)" && \
	  ZOO_GOLDEN_GRADIENTS="$$(ZOO_PYTHON=$$ZOO_PYTHON scripts/golden-gradients.sh | tail -n1)" && \
	  ZOO_KUBERNETES_PYTHON="$$(scripts/python-env.sh python/requirements-kubernetes.txt | tail -n1)" || \
	  { wait $$build; exit 1; }; } && \
	export ZOO_PYTHON ZOO_GOLDEN ZOO_GOLDEN_ACTIVATIONS ZOO_GOLDEN_GRADIENTS ZOO_KUBERNETES_PYTHON && \
	echo "python: $$ZOO_PYTHON" && echo "reference files: $$ZOO_GOLDEN" && \
	echo "golden activations: $$ZOO_GOLDEN_ACTIVATIONS" && \
	echo "golden gradients: $$ZOO_GOLDEN_GRADIENTS" && \
	finish_build && \
	swift test $(SWIFT_FLAGS) -Xswiftc -enable-testing --skip-build && \
	$(MAKE) --no-print-directory other-kernel-paths && \
	$(MAKE) --no-print-directory fuzz-check

# The kernel tests already run every path this CPU supports (Tests/TensorTests/KernelPaths.swift). On an AVX-512
# machine the parity tests ran on the AVX-512 kernels, so the narrow twins of every full-size model (same graphs,
# about 15 s) run again on the AVX2 ones; then the release zoo runs on emulated CPUs without AVX-512 and without AVX2.
other-kernel-paths:
	@if $(ZOO) --version | grep -q '^kernels: avx512 '; then \
	  echo "make test: the parity of every model's narrow twin again, on the AVX2 kernels (ZOO_CPU=avx2)" && \
	  ZOO_CPU=avx2 swift test $(SWIFT_FLAGS) -Xswiftc -enable-testing --skip-build \
	    --filter "ParityTests/narrowModelMatchesKerasFromEveryFormat"; fi && \
	scripts/other-cpus.sh

# Every libFuzzer target replayed over its seeds and regression inputs for a few seconds (docs/fuzzing.md), so a
# reader that starts crashing on a known input fails the tests. Builds the targets first when a source changed (about a minute).
FUZZ_CHECK_SECONDS ?= 3
fuzz-check:
	@scripts/fuzz.sh build-if-changed > .build/fuzz-build.log 2>&1 || { cat .build/fuzz-build.log; exit 1; }
	@scripts/fuzz.sh check $(FUZZ_CHECK_SECONDS)

# The tests under AddressSanitizer, then under ThreadSanitizer (docs/sanitizers.md): a debug build of the package
# and its tests with the sanitizer, in a scratch path of its own (.build/asan, .build/tsan; the release build is left
# alone), the zoo the tests start included. Every report, from the tests or from a zoo they run, fails the target.
# ASAN_FILTER and TSAN_FILTER are swift test's --filter (a regular expression over suite and test names); an empty
# ASAN_FILTER runs every test (slow: an instrumented debug build). TSAN_FILTER names what runs on several threads:
# the worker pool under the kernels (ParallelTests, the convolution and GEMM tests), batch streams, and the
# conversions whose source digest is computed on its own thread while the tensors stream.
ASAN_FILTER ?=
TSAN_FILTER ?= ParallelTests|ConvolutionTests|BatchStreamTests|ConversionTests
test-asan: deps
	@scripts/sanitizer-tests.sh address "$(ASAN_FILTER)"

test-tsan: deps
	@scripts/sanitizer-tests.sh thread "$(TSAN_FILTER)"

# Coverage-guided fuzzing of every reader of untrusted bytes, FUZZ_SECONDS per target; prints the table
# (target, runs, coverage, crashes, libhdf5 crashes contained, slowest input). Crashing inputs: .build/fuzz/crashes.
FUZZ_SECONDS ?= 60
fuzz:
	@scripts/fuzz.sh build > .build/fuzz-build.log 2>&1 || { cat .build/fuzz-build.log; exit 1; }
	@scripts/fuzz.sh run $(FUZZ_SECONDS)

# docs/bad-inputs.md (the README's "Bad inputs tried"): from the last fuzz run's table, the hostile-size and
# libhdf5 tests' record and a sweep of mutant checkpoints through zoo convert (scripts/bad-inputs.sh).
bad-inputs:
	@scripts/bad-inputs.sh

# The main job: the fine-tuning suite (zoo bench, short schedules on synthetic sets for now), then conversion,
# input pipeline, inference latency and the training step against the peers.
bench: suite-bench convert-bench data-bench latency-bench training-bench
	@echo "make bench: the suite's report is $(SUITE_OUT)/report.html (tables: $(SUITE_OUT)/accuracy.md, latency.md);"
	@echo "            conversion, data, latency and training tables: Benchmarks/results/*.md"

# Every recipe under both protocols and both phases, --quick (96x96, two epochs, synthetic sets), on the reference
# generator's Keras-initialised bases (no ImageNet weights offline), each head phase also trained by Keras
# (--peer keras: the report's headline), with a feature cache of its own that starts empty, so Zoo's times include
# computing the features. Its tables, plots and report.html go to $(SUITE_OUT); the converted weights, synthetic
# images, features and Keras requests it writes there are not committed (.gitignore).
suite-bench: build
	@ZOO_PYTHON="$$(scripts/python-env.sh | tail -n1)" && \
	ZOO_GOLDEN="$$(ZOO_PYTHON=$$ZOO_PYTHON scripts/golden.sh | tail -n1)" && \
	ZOO_GOLDEN_ACTIVATIONS="$$(ZOO_PYTHON=$$ZOO_PYTHON scripts/golden-activations.sh | tail -n1)" && \
	rm -rf $(SUITE_OUT) && \
	ZOO_PYTHON=$$ZOO_PYTHON ZOO_GOLDEN=$$ZOO_GOLDEN ZOO_GOLDEN_ACTIVATIONS=$$ZOO_GOLDEN_ACTIVATIONS \
	$(ZOO) bench --quick --quiet --peer keras --out $(SUITE_OUT) --feature-cache $(SUITE_OUT)/features

# Converts the full-size VGG16 .h5 (about 550 MB) and compares time and memory with `cp`.
convert-bench: build
	@ZOO_PYTHON="$$(scripts/python-env.sh | tail -n1)" && \
	ZOO_GOLDEN="$$(ZOO_PYTHON=$$ZOO_PYTHON scripts/golden.sh | tail -n1)" && \
	Benchmarks/convert.sh "$$ZOO_GOLDEN/vgg16/tfk_weights.h5" vgg16

# Decode + resize images per second, next to Pillow in the same run.
data-bench: build
	@ZOO_PYTHON="$$(scripts/python-env.sh | tail -n1)" Benchmarks/data_pipeline.sh

# Batch-1 latency and batch-16 throughput of VGG16, VGG19 and ResNet50 in Zoo, Keras/TF and ONNX Runtime,
# same weights and inputs, one run (LATENCY_OPTIONS above). Not part of `test`: benchmarks are not tests.
latency-bench: build
	@ZOO_PYTHON="$$(scripts/python-env.sh | tail -n1)" && \
	ZOO_GOLDEN="$$(ZOO_PYTHON=$$ZOO_PYTHON scripts/golden.sh | tail -n1)" && \
	ZOO_PYTHON=$$ZOO_PYTHON ZOO_GOLDEN=$$ZOO_GOLDEN Benchmarks/latency.sh $(LATENCY_OPTIONS)

# One training step at batch 16, 224x224 of VGG16, VGG19 and ResNet50 with the notebooks' heads, frozen base
# and last block unfrozen, in Zoo, Keras/TF and PyTorch, same batch, one run (Benchmarks/training.sh).
training-bench: build
	@ZOO_PYTHON="$$(scripts/python-env.sh | tail -n1)" Benchmarks/training.sh $(TRAINING_OPTIONS)

# Not part of make bench (about 15 minutes): the VGG16-TB recipe at 512x512 in Zoo and Keras, projected to the
# notebook's 100 epochs and 721 images (Benchmarks/notebook_scale.sh); writes Benchmarks/results/notebook-scale.
notebook-scale: build
	@ZOO_PYTHON="$$(scripts/python-env.sh | tail -n1)" && \
	ZOO_GOLDEN="$$(ZOO_PYTHON=$$ZOO_PYTHON scripts/golden.sh | tail -n1)" && \
	ZOO_GOLDEN_ACTIVATIONS="$$(ZOO_PYTHON=$$ZOO_PYTHON scripts/golden-activations.sh | tail -n1)" && \
	ZOO_PYTHON=$$ZOO_PYTHON ZOO_GOLDEN=$$ZOO_GOLDEN ZOO_GOLDEN_ACTIVATIONS=$$ZOO_GOLDEN_ACTIVATIONS Benchmarks/notebook_scale.sh

clean:
	rm -rf .build
