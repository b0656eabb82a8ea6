#!/usr/bin/env bash
# Builds promtool (Prometheus's rule checker and rule unit-test runner) from the Prometheus Go module into
# ${CIFED_CACHE_DIR:-~/.cache/cifed}/bin/promtool-<version>, through a wrapper module like build-control-plane.sh.
# Rebuilds only when missing. Prints the binary's path on stdout.
set -euo pipefail

# the Go module of Prometheus v3.N.P is published as v0.(300+N).P
PROMETHEUS_MODULE_VERSION="${PROMETHEUS_MODULE_VERSION:-v0.316.0}"
CACHE="${CIFED_CACHE_DIR:-$HOME/.cache/cifed}"
OUT="$CACHE/bin/promtool-${PROMETHEUS_MODULE_VERSION}"
WORK="$CACHE/promtool-${PROMETHEUS_MODULE_VERSION}"
export GOFLAGS="${GOFLAGS:--mod=mod}"
export CGO_ENABLED=0
log() { echo "[build-promtool] $*" >&2; }

if [[ -x $OUT ]]; then
  echo "$OUT"
  exit 0
fi
command -v go >/dev/null || { log "go is required (https://go.dev/dl or the distribution package)"; exit 1; }
mkdir -p "$WORK" "$(dirname "$OUT")"
# one build at a time per cache; a run that waited finds the binary built
exec 9>"$WORK/.build.lock"
flock 9
if [[ -x $OUT ]]; then
  echo "$OUT"
  exit 0
fi
cd "$WORK"
[[ -f go.mod ]] || go mod init local/cifed-promtool >/dev/null 2>&1
cat > tools.go <<GO
//go:build tools

package tools

import _ "github.com/prometheus/prometheus/cmd/promtool"
GO
MOD=$(go mod download -json "github.com/prometheus/prometheus@${PROMETHEUS_MODULE_VERSION}" | sed -n 's/.*"GoMod": "\([^"]*\)".*/\1/p')
go mod edit "-go=$(sed -n 's/^go \(.*\)$/\1/p' "$MOD")"
log "prometheus ${PROMETHEUS_MODULE_VERSION}: resolving modules"
go get "github.com/prometheus/prometheus@${PROMETHEUS_MODULE_VERSION}" >&2
go mod tidy >&2
log "building promtool (minutes on a cold cache)"
go build -trimpath -o "$OUT.tmp" github.com/prometheus/prometheus/cmd/promtool
mv "$OUT.tmp" "$OUT"
log "ready: $OUT"
echo "$OUT"
