#!/usr/bin/env bash
# Stops the local control plane started by cluster-up.sh and removes its state.
set -uo pipefail
cd "$(dirname "$0")/.."
STATE="${CIFED_CLUSTER_DIR:-.local/cluster}"
KUBECONFIG_OUT="${CIFED_CLUSTER_KUBECONFIG:-.local/kubeconfig}"
for component in controller-manager apiserver etcd; do
  if [[ -f $STATE/$component.pid ]]; then
    pid=$(cat "$STATE/$component.pid")
    kill "$pid" 2>/dev/null && for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
  fi
done
rm -rf "$STATE" "$KUBECONFIG_OUT"
echo "[cluster-down] stopped" >&2
