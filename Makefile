# CI Federation Operator — `make help` lists the targets.
SHELL := /usr/bin/env bash
.DEFAULT_GOAL := help

KUBE_VERSION ?= 1.34.4
KUBE_BIN     := $(or $(KUBE_API_TEST_DIR),$(HOME)/.kubeapitest)/k8s/$(KUBE_VERSION)-linux-amd64
KUBECTL      ?= $(shell command -v $(KUBE_BIN)/kubectl || command -v kubectl)
LOCAL_KUBECONFIG := $(CURDIR)/.local/kubeconfig
MVN          ?= mvn -B -ntp
JAR          := operator/target/cifederation-operator.jar

##@ General
help: ## Show this help
	@awk 'BEGIN {FS = ":.*##"} /^[a-zA-Z_-]+:.*?##/ { printf "  \033[36m%-16s\033[0m %s\n", $$1, $$2 } /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) }' $(MAKEFILE_LIST)

##@ Build and test
prereqs: ## Install what the build and tests need (control-plane binaries; checks java, mvn, go)
	@hack/prereqs.sh

build: ## Compile, generate CRDs, build the operator jar (no tests)
	$(MVN) -q package -DskipTests -DskipITs

crds: ## Regenerate the CRDs from the Java model into crds/ (commit the result)
	$(MVN) -q process-classes -pl operator
	@for f in operator/target/classes/META-INF/fabric8/*-v1.yml; do \
	  cp "$$f" "crds/$$(basename "$$f" -v1.yml).yaml"; \
	  cp "$$f" "charts/cifederation-operator/crds/$$(basename "$$f" -v1.yml).yaml"; done
	@echo "crds/ and charts/cifederation-operator/crds/ updated"

fmt: ## Format the Java sources (google-java-format via Spotless)
	$(MVN) -q spotless:apply

test: prereqs ## Run every test: unit, API-server and operator-in-the-loop (what CI runs)
	$(MVN) verify

##@ Local control plane
cluster-up: ## Start etcd + kube-apiserver on loopback; writes .local/kubeconfig
	@hack/cluster-up.sh

cluster-down: ## Stop the local control plane
	@hack/cluster-down.sh

install-crds: ## Install the CRDs into the cluster of the current kubeconfig
	$(KUBECTL) apply --server-side -f crds/
	$(KUBECTL) wait --for condition=Established --timeout=60s -f crds/

run: build ## Run the operator in the foreground against the current kubeconfig (CRDs installed)
	java -jar $(JAR) run

run-local: cluster-up ## Install the CRDs into the local control plane and run the operator against it
	KUBECONFIG=$(LOCAL_KUBECONFIG) $(MAKE) install-crds run

##@ Benchmark
bench: ## Scale and cost benchmark (README "Scale and cost"): N=1000 CLOUDS=aws,gcp,azure RESYNC=30 OUT=bench/results SHARDS=1 PROFILE=0; N="100 500 1000" sweeps
	@N="$(N)" CLOUDS="$(CLOUDS)" RESYNC="$(RESYNC)" OUT="$(OUT)" SHARDS="$(SHARDS)" PROFILE="$(PROFILE)" hack/bench.sh

soak: ## Crash and fault soak (README "Reliability"): N=60 SEED= RESYNC=10 OUTAGE=60 OUT=bench/results
	@N="$(N)" SEED="$(SEED)" RESYNC="$(RESYNC)" OUTAGE="$(OUTAGE)" OUT="$(OUT)" hack/soak.sh

##@ Demo
demo: ## Control plane, moto + GCP/Azure fakes + a local issuer, the operator, examples/, cloud objects, a live drift fix
	@hack/demo.sh

demo-down: ## Stop the demo: operator, local clouds, control plane
	@hack/demo.sh down

.PHONY: help prereqs build crds fmt test cluster-up cluster-down install-crds run run-local bench soak demo demo-down
