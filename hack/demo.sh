#!/usr/bin/env bash
# The quick-start demo on one machine: local control plane, CRDs, the operator (the built jar), the examples, and
# what the operator made of them. `hack/demo.sh down` stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
KUBE_VERSION="${KUBE_VERSION:-1.34.4}"
KUBECTL="${KUBECTL:-${KUBE_API_TEST_DIR:-$HOME/.kubeapitest}/k8s/${KUBE_VERSION}-linux-amd64/kubectl}"
export KUBECONFIG="$PWD/.local/kubeconfig"
STATE=.local/demo
log() { echo "[demo] $*" >&2; }

stop_operator() {
  if [[ -f $STATE/operator.pid ]]; then
    kill "$(cat $STATE/operator.pid)" 2>/dev/null || true
    rm -f $STATE/operator.pid
  fi
}

if [[ ${1:-} == down ]]; then
  stop_operator
  hack/cluster-down.sh
  exit 0
fi

hack/prereqs.sh
log "building the operator"
mvn -B -ntp -q package -DskipTests -DskipITs
hack/cluster-up.sh
"$KUBECTL" apply --server-side -f crds/ >/dev/null
"$KUBECTL" wait --for condition=Established --timeout=60s -f crds/ >/dev/null

mkdir -p $STATE
stop_operator
log "starting the operator (log: $STATE/operator.log)"
CIFED_METRICS_PORT=0 java -jar operator/target/cifederation-operator.jar run > $STATE/operator.log 2>&1 &
echo $! > $STATE/operator.pid

log "applying examples/"
"$KUBECTL" apply --server-side -f examples/namespace.yaml >/dev/null
"$KUBECTL" apply --server-side -f examples/ >/dev/null

log "waiting until the operator has written status on every identity"
for _ in $(seq 1 60); do
  pending=$("$KUBECTL" get cifi -A -o jsonpath='{range .items[*]}{.metadata.name}{"="}{.status.observedGeneration}{"\n"}{end}' | grep -c '=$' || true)
  [[ $pending == 0 ]] && break
  sleep 1
done

echo
"$KUBECTL" get ciissuer
echo
"$KUBECTL" get cifi -A
echo
log "one identity in full: $KUBECTL -n ci-federation-examples get cifi my-app-production-aws -o yaml"
"$KUBECTL" -n ci-federation-examples get cifi my-app-production-aws -o jsonpath='{.status}' | python3 -m json.tool
echo
log "the operator keeps running (pid $(cat $STATE/operator.pid)); stop everything with: make demo-down"
