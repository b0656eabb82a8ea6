#!/usr/bin/env bash
# Builds etcd, kube-apiserver, kubectl and kube-controller-manager from the Go module proxy into the layout fabric8
# kube-api-test reads: ${KUBE_API_TEST_DIR:-~/.kubeapitest}/k8s/<version>-linux-amd64/{etcd,kube-apiserver,kubectl}
# (kube-api-test ignores the controller-manager; the test support and cluster-up.sh start it beside the API server
# so that namespace deletion finalizes and ownerReferences are garbage-collected).
# Rebuilds only what is missing. The Go module and build caches live under ~/.cache, outside the repository.
set -euo pipefail

KUBE_VERSION="${KUBE_VERSION:-1.34.4}"
STAGING_VERSION="0.${KUBE_VERSION#1.}"
OUT="${KUBE_API_TEST_DIR:-$HOME/.kubeapitest}/k8s/${KUBE_VERSION}-linux-amd64"
WORK="${CIFED_CACHE_DIR:-$HOME/.cache/cifed}/k8sbin-${KUBE_VERSION}"
export GOFLAGS="${GOFLAGS:--mod=mod}"
export CGO_ENABLED=0

log() { echo "[build-control-plane] $*" >&2; }

cached() { [[ -x "$OUT/etcd" && -x "$OUT/kube-apiserver" && -x "$OUT/kubectl" && -x "$OUT/kube-controller-manager" ]]; }
if cached; then
  log "cached: $OUT"
  exit 0
fi
command -v go >/dev/null || { log "go is required (https://go.dev/dl or the distribution package)"; exit 1; }

mkdir -p "$WORK" "$OUT"
# One build at a time per cache (two checkouts testing at once share it); the second waits, then finds it built.
exec 9>"$WORK/.build.lock"
flock 9
if cached; then
  log "built meanwhile by another run: $OUT"
  exit 0
fi
cd "$WORK"
[[ -f go.mod ]] || go mod init local/cifed-k8sbin >/dev/null 2>&1

# k/k requires its staging modules at v0.0.0 and maps them to ./staging; replaces in a dependency are ignored,
# so pin each one to its published version. The list comes from k/k's own go.mod, not from a hard-coded copy.
KK_MOD=$(go mod download -json "k8s.io/kubernetes@v${KUBE_VERSION}" | sed -n 's/.*"GoMod": "\([^"]*\)".*/\1/p')
sed -n 's|^[[:space:]]*\(k8s.io/[^ ]*\) => \./staging/.*|\1|p' "$KK_MOD" | while read -r module; do
  go mod edit "-replace=${module}=${module}@v${STAGING_VERSION}"
done
GO_LINE=$(sed -n 's/^go \(.*\)$/\1/p' "$KK_MOD")
go mod edit "-go=${GO_LINE}"
sed -n 's/^godebug \(.*\)$/\1/p' "$KK_MOD" | while read -r kv; do go mod edit "-godebug=${kv}"; done

# etcd at the version k/k pins for its client.
ETCD_VERSION=$(sed -n 's|^[[:space:]]*go.etcd.io/etcd/client/v3 \(v[^ ]*\).*|\1|p' "$KK_MOD" | head -1)
log "kubernetes v${KUBE_VERSION}, staging v${STAGING_VERSION}, etcd ${ETCD_VERSION}"

cat > tools.go <<GO
//go:build tools

package tools

import (
	_ "go.etcd.io/etcd/server/v3"
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kubectl"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
)
GO
go get "k8s.io/kubernetes@v${KUBE_VERSION}" "go.etcd.io/etcd/server/v3@${ETCD_VERSION}" >&2
go mod tidy >&2

MAJOR=${KUBE_VERSION%%.*}; REST=${KUBE_VERSION#*.}; MINOR=${REST%%.*}
BUILD_DATE=$(date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS=""
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  LDFLAGS+=" -X ${pkg}.gitVersion=v${KUBE_VERSION} -X ${pkg}.gitMajor=${MAJOR} -X ${pkg}.gitMinor=${MINOR}"
  LDFLAGS+=" -X ${pkg}.gitTreeState=clean -X ${pkg}.buildDate=${BUILD_DATE}"
done

build() { # name package
  if [[ ! -x "$OUT/$1" ]]; then
    log "building $1 (this takes minutes on a cold cache)"
    go build -trimpath -tags selinux,notest -ldflags "$LDFLAGS" -o "$OUT/$1.tmp" "$2" && mv "$OUT/$1.tmp" "$OUT/$1"
  fi
}
build etcd go.etcd.io/etcd/server/v3
build kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver
build kubectl k8s.io/kubernetes/cmd/kubectl
build kube-controller-manager k8s.io/kubernetes/cmd/kube-controller-manager
log "ready: $OUT"
