# qcc build entry points. `make demo` and `make test` are the two commands a
# fresh machine needs (see README); both install what they need first.

SWIFT        ?= swift
CONFIG       ?= release
ONNX_PROTO   ?= /usr/include/onnx/onnx.proto
GENERATED    := Sources/_QCCProtobuf/generated
QCC          := .build/$(CONFIG)/qcc
ONNX_TESTS   := .build/onnx-tests
APT_PACKAGES := libprotobuf-c-dev protobuf-c-compiler libonnx-dev libonnx-testdata \
                zlib1g-dev llvm-14-tools gcc clang make gcc-aarch64-linux-gnu qemu-user

# The shared test models: $QCC_MODELS, else ../shared/models next to the
# clone, else this machine's /work/shared/models. Model tests, qprog-check and
# the benchmarks read them; without them those fail and say so.
QCC_MODELS   ?= $(firstword $(wildcard $(abspath ../shared/models) /work/shared/models))
export QCC_MODELS

.PHONY: all setup generate build test demo conformance conformance-latest onnx-tests bench bench-accuracy \
        qprog-runner qprog-check qprog-fuzz qgemm-test fusion-check codegen-check onnx-models-check clean

all: build

# Debian packages the build and the tests need. Skipped when all are installed.
setup:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing:" $$missing; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

# Generated sources, never committed or edited: protobuf-c code for
# onnx.proto, and the C runtime embedded in qcc for the C targets to emit
# (regenerated whenever a runtime source changes).
RUNTIME_SOURCES  := $(wildcard targets/runtime/*.c targets/runtime/*.h targets/runtime/include/*.h) \
                    targets/runtime/tools/runner.h targets/runtime/tools/runner.c targets/runtime/tools/model_main.c
EMBEDDED_RUNTIME := targets/codegen/generated/RuntimeSources.swift
generate: $(GENERATED)/onnx.pb-c.c $(EMBEDDED_RUNTIME)

$(EMBEDDED_RUNTIME): $(RUNTIME_SOURCES) scripts/embed_runtime.py
	python3 scripts/embed_runtime.py targets/runtime $@

$(GENERATED)/onnx.pb-c.c: $(ONNX_PROTO)
	@mkdir -p $(GENERATED)
	protoc-c --c_out=$(GENERATED) -I$(dir $(ONNX_PROTO)) $(ONNX_PROTO)

build: setup generate
	$(SWIFT) build -c $(CONFIG)

test: setup generate
	@echo "shared models: $(or $(QCC_MODELS),not found (model tests will fail; set QCC_MODELS))"
	$(SWIFT) build -c $(CONFIG) --build-tests -Xswiftc -enable-testing
	$(SWIFT) test -c $(CONFIG) --skip-build -Xswiftc -enable-testing
	$(MAKE) onnx-tests
	$(QCC) conformance --suite $(ONNX_TESTS) --folder node
	$(MAKE) qprog-check qprog-fuzz qgemm-test fusion-check codegen-check

# The device runner for .qprog files, built the way a device builds it: the C
# runtime and the runner, plain C99, nothing else.
CC           ?= cc
RUNTIME_C    := $(wildcard targets/runtime/*.c)
QPROG_RUN    := .build/qprog_run
qprog-runner: $(QPROG_RUN)
RUNNER_C     := targets/runtime/tools/runner.c
$(QPROG_RUN): $(RUNTIME_C) $(wildcard targets/runtime/include/*.h) $(RUNNER_C) targets/runtime/tools/qprog_run.c
	@mkdir -p .build
	$(CC) -std=c99 -O2 -Wall -Wextra -Werror -Itargets/runtime/include $(RUNTIME_C) $(RUNNER_C) \
	  targets/runtime/tools/qprog_run.c -lm -o $@

# Every shared model compiled to .qprog, run by `qcc run` and by the C runner: byte-identical outputs.
qprog-check: build qprog-runner
	scripts/check_qprog.sh $(QCC) $(QPROG_RUN)

# The fuse pass on every shared model: the default pipeline with and without
# it, every held-out sample, byte-identical outputs.
fusion-check: build
	scripts/check_fusion.sh $(QCC)

# The C targets on every shared model: x86-avx2 built natively, arm-neon
# cross-built and run under qemu-aarch64 (NEON and dot-product builds), and
# x86-avx2 under ASan+UBSan; every output byte-identical to `qcc run`.
# `scripts/check_codegen.sh $(QCC)` alone also builds the portable c target;
# CCS="gcc clang" builds with both compilers.
CODEGEN_CHECK_TARGETS ?= x86-avx2 arm-neon sanitize
codegen-check: build
	scripts/check_codegen.sh $(QCC) --targets "$(CODEGEN_CHECK_TARGETS)"

# The C targets on models outside the shared set: the ONNX backend suite's
# pytorch-converted models (libonnx-testdata), calibrated on their test inputs,
# x86-avx2 built natively, every output byte-identical to `qcc run` of the
# .qprog; models qcc refuses are listed as unsupported. Not part of `make test`.
# `scripts/check_onnx_models.sh $(QCC) --targets "x86-avx2 arm-neon"` adds arm-neon under qemu.
onnx-models-check: build
	scripts/check_onnx_models.sh $(QCC)

# The integer GEMM's SIMD paths against a naive reference on extreme and
# random cases (including the operands that would saturate vpmaddubsw), as
# the runtime builds natively and as arm-neon builds it (NEON and sdot) under
# qemu-aarch64.
QGEMM_TEST_SRC := $(RUNTIME_C) targets/runtime/tools/qgemm_test.c
qgemm-test:
	@mkdir -p .build
	$(CC) -std=c99 -O2 -Wall -Wextra -Werror -Itargets/runtime/include $(QGEMM_TEST_SRC) -lm -o .build/qgemm_test
	.build/qgemm_test
	$(CC) -std=c99 -O2 -Wall -Wextra -Werror -DQCC_NO_TARGET_CLONES -mavx2 -mfma -Itargets/runtime/include $(QGEMM_TEST_SRC) -lm -o .build/qgemm_test_avx2
	.build/qgemm_test_avx2
	aarch64-linux-gnu-gcc -std=c99 -O2 -static -march=armv8-a -Itargets/runtime/include $(QGEMM_TEST_SRC) -lm -o .build/qgemm_test_neon
	qemu-aarch64 -cpu cortex-a53 .build/qgemm_test_neon 200
	aarch64-linux-gnu-gcc -std=c99 -O2 -static -march=armv8.2-a+dotprod -Itargets/runtime/include $(QGEMM_TEST_SRC) -lm -o .build/qgemm_test_sdot
	qemu-aarch64 .build/qgemm_test_sdot 200

# The .qprog loader against truncated and corrupted files, under AddressSanitizer and UBSan.
QPROG_FUZZ   := .build/qprog_fuzz
qprog-fuzz: build
	@mkdir -p .build/fuzz
	$(CC) -std=c99 -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all -Itargets/runtime/include \
	  $(RUNTIME_C) targets/runtime/tools/qprog_fuzz.c -lm -o $(QPROG_FUZZ)
	cp $(DEMO_MODEL)/x.npy .build/fuzz/x.npy
	$(QCC) $(DEMO_MODEL)/model.onnx --calib .build/fuzz --target qprog -o .build/fuzz/example.qprog
	$(QPROG_FUZZ)
	$(QPROG_FUZZ) .build/fuzz/example.qprog

# The README's main command on the embedded example, end to end: import it and
# run it in float, compile it to C for this machine (calibrated on its sample
# inputs), build and run that, and print accuracy and speed against float.
DEMO_MODEL := examples/tiny-transformer
demo: build
	scripts/demo.sh $(QCC) .build/demo

# Accuracy of qcc's presets against onnxruntime's static int8 quantization on the shared models.
bench-accuracy: build
	python3 scripts/bench_accuracy.py --qcc $(QCC)

conformance: build
	$(QCC) conformance

# The newer backend suite: the node tests of the pip onnx package
# (scripts/requirements.txt, opsets up to 28), generated in a few seconds.
onnx-tests:
	@python3 -c 'import onnx' 2>/dev/null || pip install -q "$$(grep '^onnx==' scripts/requirements.txt)"
	python3 scripts/gen_onnx_backend_tests.py -o $(ONNX_TESTS)

conformance-latest: build onnx-tests
	$(QCC) conformance --suite $(ONNX_TESTS) --folder node

clean:
	rm -rf .build $(GENERATED) $(dir $(EMBEDDED_RUNTIME))
