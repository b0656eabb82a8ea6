#!/usr/bin/env bash
# Starts a local control plane (etcd + kube-apiserver + kube-controller-manager built by build-control-plane.sh) on
# loopback, with client-cert authentication and RBAC like a real cluster, and writes .local/kubeconfig. The
# controller-manager runs the namespace, garbage-collector and service-account controllers only, so that deleting a
# namespace finalizes and ownerReferences are collected as in a real cluster; no scheduler or kubelet run.
set -euo pipefail
cd "$(dirname "$0")/.."

KUBE_VERSION="${KUBE_VERSION:-1.34.4}"
BIN="${KUBE_API_TEST_DIR:-$HOME/.kubeapitest}/k8s/${KUBE_VERSION}-linux-amd64"
# CIFED_CLUSTER_DIR / CIFED_CLUSTER_KUBECONFIG let a second control plane (the benchmark's) run beside the demo's
STATE="${CIFED_CLUSTER_DIR:-.local/cluster}"
KUBECONFIG_OUT="${CIFED_CLUSTER_KUBECONFIG:-.local/kubeconfig}"
log() { echo "[cluster-up] $*" >&2; }

if [[ -f $STATE/apiserver.pid ]] && kill -0 "$(cat $STATE/apiserver.pid)" 2>/dev/null; then
  log "already running (KUBECONFIG=$KUBECONFIG_OUT)"
  exit 0
fi
hack/build-control-plane.sh
rm -rf "$STATE"
mkdir -p "$STATE/pki" "$STATE/etcd" "$(dirname "$KUBECONFIG_OUT")"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
ETCD_PORT=$(free_port); ETCD_PEER_PORT=$(free_port); API_PORT=$(free_port)
while [[ $API_PORT == "$ETCD_PORT" || $API_PORT == "$ETCD_PEER_PORT" ]]; do API_PORT=$(free_port); done

# PKI: a CA, the API server's serving cert for 127.0.0.1, an admin client cert in system:masters, the SA signing key.
pki=$STATE/pki
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=cifed-local-ca" \
  -keyout $pki/ca.key -out $pki/ca.crt 2>/dev/null
issue() { # name subject [san]
  openssl req -newkey rsa:2048 -nodes -subj "$2" -keyout $pki/$1.key -out $pki/$1.csr 2>/dev/null
  local ext=$pki/$1.ext
  if [[ -n ${3:-} ]]; then printf 'subjectAltName=%s\n' "$3" > "$ext"; else : > "$ext"; fi
  openssl x509 -req -in $pki/$1.csr -CA $pki/ca.crt -CAkey $pki/ca.key -CAcreateserial -days 30 \
    -extfile "$ext" -out $pki/$1.crt 2>/dev/null
}
issue apiserver "/CN=kube-apiserver" "IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc"
issue admin "/O=system:masters/CN=cifed-admin"
# the namespace controller deletes every kind in a namespace, so it needs more than its bootstrap role grants
# without per-controller service-account credentials; masters keeps this local setup simple
issue controller-manager "/O=system:masters/CN=system:kube-controller-manager"
openssl genrsa -out $pki/sa.key 2048 2>/dev/null
openssl rsa -in $pki/sa.key -pubout -out $pki/sa.pub 2>/dev/null

log "starting etcd on 127.0.0.1:$ETCD_PORT"
"$BIN/etcd" --data-dir "$STATE/etcd" --name local \
  --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
  --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-cluster "local=http://127.0.0.1:$ETCD_PEER_PORT" --unsafe-no-fsync \
  > "$STATE/etcd.log" 2>&1 &
echo $! > "$STATE/etcd.pid"

log "starting kube-apiserver on https://127.0.0.1:$API_PORT"
"$BIN/kube-apiserver" --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
  --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$API_PORT" \
  --tls-cert-file $pki/apiserver.crt --tls-private-key-file $pki/apiserver.key --client-ca-file $pki/ca.crt \
  --service-account-issuer https://kubernetes.default.svc --service-account-key-file $pki/sa.pub \
  --service-account-signing-key-file $pki/sa.key --service-cluster-ip-range 10.0.0.0/24 \
  --authorization-mode RBAC --allow-privileged=false \
  > "$STATE/apiserver.log" 2>&1 &
echo $! > "$STATE/apiserver.pid"

cat > "$KUBECONFIG_OUT" <<YAML
apiVersion: v1
kind: Config
clusters:
- name: local
  cluster:
    server: https://127.0.0.1:$API_PORT
    certificate-authority-data: $(base64 -w0 < $pki/ca.crt)
users:
- name: admin
  user:
    client-certificate-data: $(base64 -w0 < $pki/admin.crt)
    client-key-data: $(base64 -w0 < $pki/admin.key)
contexts:
- name: local
  context: {cluster: local, user: admin}
current-context: local
YAML

cat > "$STATE/controller-manager.kubeconfig" <<YAML
apiVersion: v1
kind: Config
clusters:
- name: local
  cluster: {server: "https://127.0.0.1:$API_PORT", certificate-authority: "$(realpath $pki/ca.crt)"}
users:
- name: controller-manager
  user: {client-certificate: "$(realpath $pki/controller-manager.crt)", client-key: "$(realpath $pki/controller-manager.key)"}
contexts:
- name: local
  context: {cluster: local, user: controller-manager}
current-context: local
YAML

start_controller_manager() {
  log "starting kube-controller-manager (namespace, garbage collector, service accounts)"
  "$BIN/kube-controller-manager" --kubeconfig "$STATE/controller-manager.kubeconfig" \
    --controllers namespace,garbagecollector,serviceaccount,serviceaccount-token \
    --service-account-private-key-file $pki/sa.key --root-ca-file $pki/ca.crt \
    --use-service-account-credentials=false --leader-elect=false --secure-port 0 \
    > "$STATE/controller-manager.log" 2>&1 &
  echo $! > "$STATE/controller-manager.pid"
}

for _ in $(seq 1 180); do
  if curl -sf --cacert $pki/ca.crt --cert $pki/admin.crt --key $pki/admin.key \
      "https://127.0.0.1:$API_PORT/readyz" >/dev/null 2>&1; then
    start_controller_manager
    sleep 1
    if ! kill -0 "$(cat $STATE/controller-manager.pid)" 2>/dev/null; then
      log "kube-controller-manager exited; see $STATE/controller-manager.log:"; tail -20 "$STATE/controller-manager.log" >&2
      exit 1
    fi
    log "ready: export KUBECONFIG=$(realpath "$KUBECONFIG_OUT")"
    exit 0
  fi
  if ! kill -0 "$(cat $STATE/apiserver.pid)" 2>/dev/null; then
    log "kube-apiserver exited; see $STATE/apiserver.log:"; tail -20 "$STATE/apiserver.log" >&2; exit 1
  fi
  sleep 1
done
log "kube-apiserver did not become ready in 180 s; see $STATE/apiserver.log"
exit 1
