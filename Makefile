# qcc build entry points. `make demo` and `make test` are the two commands a
# fresh machine needs (see README); both install what they need first.

SWIFT        ?= swift
CONFIG       ?= release
ONNX_PROTO   ?= /usr/include/onnx/onnx.proto
GENERATED    := Sources/_QCCProtobuf/generated
QCC          := .build/$(CONFIG)/qcc
ONNX_TESTS   := .build/onnx-tests
APT_PACKAGES := libprotobuf-c-dev protobuf-c-compiler libonnx-dev libonnx-testdata \
                zlib1g-dev llvm-14-tools

.PHONY: all setup generate build test demo conformance conformance-latest onnx-tests bench clean

all: build

# Debian packages the build and the tests need. Skipped when all are installed.
setup:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing:" $$missing; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

# protobuf-c code for onnx.proto; generated, never committed or edited.
generate: $(GENERATED)/onnx.pb-c.c

$(GENERATED)/onnx.pb-c.c: $(ONNX_PROTO)
	@mkdir -p $(GENERATED)
	protoc-c --c_out=$(GENERATED) -I$(dir $(ONNX_PROTO)) $(ONNX_PROTO)

build: setup generate
	$(SWIFT) build -c $(CONFIG)

test: setup generate
	$(SWIFT) build -c $(CONFIG) --build-tests -Xswiftc -enable-testing
	$(SWIFT) test -c $(CONFIG) --skip-build -Xswiftc -enable-testing
	$(MAKE) onnx-tests
	$(QCC) conformance --suite $(ONNX_TESTS) --folder node

# The main job on the embedded example: import, canonicalize, run, and compare
# with onnxruntime's outputs.
DEMO_MODEL := examples/tiny-transformer
DEMO_OUT   := .build/demo
demo: build
	@mkdir -p $(DEMO_OUT)
	$(QCC) import $(DEMO_MODEL)/model.onnx -o $(DEMO_OUT)/imported.qir
	$(QCC) opt $(DEMO_OUT)/imported.qir --passes canonicalize --statistics -o $(DEMO_OUT)/canonical.qir
	@echo "IR: $(DEMO_OUT)/imported.qir ($$(grep -c ' = ' $(DEMO_OUT)/imported.qir) statements) -> $(DEMO_OUT)/canonical.qir ($$(grep -c ' = ' $(DEMO_OUT)/canonical.qir) statements)"
	$(QCC) run $(DEMO_OUT)/canonical.qir --input x=$(DEMO_MODEL)/x.npy -o $(DEMO_OUT)/out
	$(QCC) compare $(DEMO_OUT)/out/logits.npy $(DEMO_MODEL)/logits_ref.npy --tolerance 1e-5

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
	rm -rf .build $(GENERATED)
