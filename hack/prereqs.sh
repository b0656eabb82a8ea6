#!/usr/bin/env bash
# Installs what `make test` needs on a fresh machine and checks the toolchain. Idempotent and quiet when all is there.
set -euo pipefail
cd "$(dirname "$0")/.."
log() { echo "[prereqs] $*" >&2; }
need() { command -v "$1" >/dev/null 2>&1 || { log "missing: $1 ($2)"; exit 1; }; }

need java "Java 17+"
need mvn "Maven 3.8+"
need go "Go 1.24+, to build etcd and kube-apiserver from the Go module proxy"
need openssl "the local control plane's PKI"
need curl "readiness checks"
need python3 "Python 3 with pip: moto_server (AWS emulator) is installed with it; the demo's helpers run on it"
java_major=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/.*java.specification.version = \([0-9]*\).*/\1/p')
(( java_major >= 17 )) || { log "Java 17+ required, found $java_major"; exit 1; }

hack/build-control-plane.sh
# promtool for the alert tests (PrometheusRulesIT); prints its path
hack/build-promtool.sh >/dev/null
hack/install-moto.sh
