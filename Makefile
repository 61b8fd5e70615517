# Developer entry points. `make test` is what CI runs (see .ci/run).
CARGO ?= cargo

.PHONY: build test lint fmt bench demo suite

build:
	$(CARGO) build --workspace

test:
	$(CARGO) test --workspace

lint:
	$(CARGO) clippy --workspace --all-targets -- -D warnings

fmt:
	$(CARGO) fmt --all

bench:
	$(CARGO) bench -p gotemplate

# Prints the template suite's per-topic table (needs ../shared).
suite: build
	../shared/tools/template-suite-check --cmd '$(CURDIR)/target/debug/helmrelease-operator render-template {chart_dir} {template} --options {options}' --jobs 2

demo:
	$(CARGO) build -q -p kube-sandbox -p helmrelease-operator
	bash scripts/demo.sh
