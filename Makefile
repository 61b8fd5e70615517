# Developer entry points. `make test` is what CI runs (see .ci/run).
CARGO ?= cargo

.PHONY: build test lint fmt bench demo suite docker-build deploy undeploy sync-crds

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

IMAGE ?= helmrelease-operator:latest

# Container image (needs a Docker engine).
docker-build:
	docker build -t $(IMAGE) .

# Plain manifests into the current kubectl context.
deploy:
	kubectl apply -k deploy/

undeploy:
	kubectl delete -k deploy/

# After the CRD changes: copy it where it is shipped and regenerate the chart goldens.
sync-crds: build
	./target/debug/helmrelease-operator crd > crds/helmreleases.helm.fluxcd.io.yaml
	cp crds/helmreleases.helm.fluxcd.io.yaml deploy/crd.yaml
	cp crds/helmreleases.helm.fluxcd.io.yaml charts/helmrelease-operator/crds/
	../shared/tools/helm-oracle render charts/helmrelease-operator --include-crds > testdata/golden/operator-chart-default.yaml
	../shared/tools/helm-oracle render charts/helmrelease-operator --include-crds -f testdata/golden/operator-chart-values.values.yaml > testdata/golden/operator-chart-values.yaml
