#!/usr/bin/env bash
# The quick-start demo on one machine: local control plane, CRDs, the three local clouds (moto for AWS, the GCP IAM
# and Azure ARM fakes), the operator (the built jar) pointed at them, the examples, what the operator made of them in
# each cloud, and one drift correction happening live. `hack/demo.sh down` stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
KUBE_VERSION="${KUBE_VERSION:-1.34.4}"
KUBECTL="${KUBECTL:-${KUBE_API_TEST_DIR:-$HOME/.kubeapitest}/k8s/${KUBE_VERSION}-linux-amd64/kubectl}"
export KUBECONFIG="$PWD/.local/kubeconfig"
STATE=.local/demo
# short, so that the drift correction below is seen within the demo; the default is 10 minutes
RESYNC_SECONDS="${DEMO_RESYNC_SECONDS:-20}"
log() { echo "[demo] $*" >&2; }

stop() { # name
  if [[ -f $STATE/$1.pid ]]; then
    kill "$(cat "$STATE/$1.pid")" 2>/dev/null || true
    rm -f "$STATE/$1.pid"
  fi
}
stop_all() { for p in operator moto gcp azure issuer; do stop $p; done; }

if [[ ${1:-} == down ]]; then
  stop_all
  hack/cluster-down.sh
  exit 0
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_for_port() { # port name
  for _ in $(seq 1 60); do
    python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$1),1)" 2>/dev/null && return 0
    sleep 0.5
  done
  log "$2 did not start on port $1 (log: $STATE/$2.log)"; exit 1
}
moto_server_bin() {
  command -v moto_server 2>/dev/null || ls "$HOME/.pyenv/shims/moto_server" "$HOME/.local/bin/moto_server" 2>/dev/null | head -1
}

hack/prereqs.sh
log "building the operator and the local cloud fakes"
mvn -B -ntp -q package -DskipTests -DskipITs
hack/cluster-up.sh
"$KUBECTL" apply --server-side -f crds/ >/dev/null
"$KUBECTL" wait --for condition=Established --timeout=60s -f crds/ >/dev/null

mkdir -p $STATE
stop_all

log "starting the local clouds: moto_server (AWS), fake GCP IAM, fake Azure ARM (logs in $STATE/)"
MOTO_PORT=$(free_port)
"$(moto_server_bin)" -H 127.0.0.1 -p "$MOTO_PORT" > $STATE/moto.log 2>&1 &
echo $! > $STATE/moto.pid
GCP_PORT=$(free_port)
java -jar fake-gcp-iam/target/fake-gcp-iam.jar --port "$GCP_PORT" --token demo-token \
  --project my-project=123456789012 --service-account ci-deployer@my-project.iam.gserviceaccount.com \
  --service-account shop-deployer@my-project.iam.gserviceaccount.com > $STATE/gcp.log 2>&1 &
echo $! > $STATE/gcp.pid
AZURE_PORT=$(free_port)
java -jar fake-azure-arm/target/fake-azure-arm.jar --port "$AZURE_PORT" --token demo-token --https \
  --cert-out $STATE/fake-arm.pem > $STATE/azure.log 2>&1 &
echo $! > $STATE/azure.pid
ISSUER_PORT=$(free_port)
python3 hack/local_issuer.py $STATE/issuer "$ISSUER_PORT" > $STATE/issuer.log 2>&1 &
echo $! > $STATE/issuer.pid
wait_for_port "$MOTO_PORT" moto; wait_for_port "$GCP_PORT" gcp; wait_for_port "$AZURE_PORT" azure
wait_for_port "$ISSUER_PORT" issuer

# the environment the operator and hack/demo_clouds.py share; written out so you can reuse it in a shell
cat > $STATE/env <<EOF
export AWS_ENDPOINT_URL=http://127.0.0.1:$MOTO_PORT AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1
export CIFED_GCP_IAM_ENDPOINT=http://127.0.0.1:$GCP_PORT/ CIFED_GCP_ACCESS_TOKEN=demo-token
export CIFED_AZURE_ARM_ENDPOINT=https://127.0.0.1:$AZURE_PORT/ CIFED_AZURE_ACCESS_TOKEN=demo-token CIFED_AZURE_CA_FILE=$PWD/$STATE/fake-arm.pem CIFED_AZURE_TENANT_ID=00000000-0000-0000-0000-00000000000a
export CIFED_RESYNC_INTERVAL=$RESYNC_SECONDS CIFED_METRICS_PORT=$(free_port) CIFED_CLUSTER_NAME=demo
# the local issuer is on loopback, which issuer checks refuse unless told otherwise
export CIFED_ISSUER_ALLOW_PRIVATE=true
EOF
# shellcheck disable=SC1091
source $STATE/env

log "creating the customer-managed policies the AWS examples attach"
python3 hack/demo_clouds.py aws-setup
log "seeding what a team had before the operator, made by hand or by Terraform (the operator never created them)"
python3 hack/demo_clouds.py legacy-seed

log "starting the operator (log: $STATE/operator.log, metrics: http://127.0.0.1:$CIFED_METRICS_PORT/metrics)"
java -jar operator/target/cifederation-operator.jar run > $STATE/operator.log 2>&1 &
echo $! > $STATE/operator.pid

log "applying examples/, and a self-managed GitLab on loopback (hack/local_issuer.py) with one AWS identity"
"$KUBECTL" apply --server-side -f examples/namespace.yaml -f examples/namespace-platform.yaml >/dev/null
"$KUBECTL" apply --server-side -f examples/ >/dev/null
"$KUBECTL" apply --server-side -f - >/dev/null <<EOF
apiVersion: cifederation.dev/v1alpha1
kind: CIIssuer
metadata:
  name: gitlab-local
spec:
  url: https://127.0.0.1:$ISSUER_PORT
  dialect: GitLab
  caBundle: |
$(sed 's/^/    /' $STATE/issuer/root-ca.pem)
  thumbprints:
    mode: Track
---
apiVersion: cifederation.dev/v1alpha1
kind: CIFederatedIdentity
metadata:
  name: my-app-main-gitlab-local-aws
  namespace: ci-federation-examples
spec:
  issuerRef: gitlab-local
  repository: my-org/my-app
  subject:
    branch: main
  aws:
    accountId: "123456789012"
    roleName: SelfManagedGitLabDeployRole
    permissionsBoundaryArn: arn:aws:iam::123456789012:policy/ci-boundary
    managedPolicyArns:
      - arn:aws:iam::123456789012:policy/my-app-deploy
EOF

log "waiting until every identity is Ready"
not_ready() { # names of the identities whose Ready condition is not True
  "$KUBECTL" get cifi -A -o jsonpath='{range .items[*]}{.metadata.name}{" "}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' \
    | awk '$2 != "True" {print $1}'
}
for _ in $(seq 1 120); do
  [[ -z $(not_ready) ]] && break
  sleep 1
done
if [[ -n $(not_ready) ]]; then
  log "not Ready yet (see the conditions below and $STATE/operator.log): $(not_ready | tr '\n' ' ')"
fi

log "waiting until the local issuer's thumbprint is in its AWS provider"
for _ in $(seq 1 60); do
  [[ $("$KUBECTL" get ciissuer gitlab-local -o jsonpath='{.status.aws[0].inSync}') == true ]] && break
  sleep 1
done

echo
"$KUBECTL" get ciissuer
log "github and gitlab.com cannot be reached from this machine: IssuerReachable=False, and nothing in AWS is"
log "touched for them (fail closed); gitlab-local is checked over TLS and its thumbprint kept in AWS:"
"$KUBECTL" get ciissuer gitlab-local -o jsonpath='{range .status.thumbprints[*]}  {.host}  sha1 {.sha1}  notAfter {.notAfter}{"\n"}{end}'
echo "  openssl: the top intermediate CA it serves has SHA-1 $(openssl x509 -in $STATE/issuer/intermediate-ca.pem -noout -fingerprint -sha1 | cut -d= -f2 | tr -d : | tr 'A-F' 'a-f')"
echo
"$KUBECTL" get cifi -A
echo
log "what the operator created in each cloud"
python3 hack/demo_clouds.py show

ROLE=GitHubActionsDeployRole
IDENTITY=my-app-production-aws
log "drift, live: someone widens the trust of $ROLE to every repository of my-org, by hand"
python3 hack/demo_clouds.py aws-widen $ROLE
echo "  trust now  $(python3 hack/demo_clouds.py aws-trust $ROLE)"
log "the operator reads the account again within one resync (${RESYNC_SECONDS}s) and sets it back"
for _ in $(seq 1 $((RESYNC_SECONDS * 2 + 30))); do
  corrections=$("$KUBECTL" -n ci-federation-examples get cifi $IDENTITY -o jsonpath='{.status.aws.driftCorrections}')
  [[ ${corrections:-0} -gt 0 ]] && break
  sleep 1
done
echo "  trust now  $(python3 hack/demo_clouds.py aws-trust $ROLE)"
echo "  status.aws.driftCorrections = ${corrections:-0}"
"$KUBECTL" -n ci-federation-examples get events --field-selector reason=DriftCorrected \
  -o custom-columns=OBJECT:.involvedObject.name,REASON:.reason,MESSAGE:.message
echo
log "the incident button: suspend $IDENTITY; its role stays, its trust is withdrawn in place"
start=$(date +%s%N)
"$KUBECTL" -n ci-federation-examples patch cifi $IDENTITY --type merge -p '{"spec":{"suspend":true}}' >/dev/null
for _ in $(seq 1 300); do
  [[ $(python3 hack/demo_clouds.py aws-trust $ROLE) == Deny* ]] && break
  sleep 0.1
done
echo "  trust now  $(python3 hack/demo_clouds.py aws-trust $ROLE)  after $(( ($(date +%s%N) - start) / 1000000 )) ms"
"$KUBECTL" -n ci-federation-examples get cifi $IDENTITY
"$KUBECTL" -n ci-federation-examples patch cifi $IDENTITY --type merge -p '{"spec":{"suspend":false}}' >/dev/null
for _ in $(seq 1 300); do
  [[ $(python3 hack/demo_clouds.py aws-trust $ROLE) != Deny* ]] && break
  sleep 0.1
done
echo "  resumed: trust $(python3 hack/demo_clouds.py aws-trust $ROLE), same role"
echo

# ---------------------------------------------------------------------------------------------------------------------
# Existing accounts. The legacy objects seeded before the operator started are still as they were made; the
# Terraform-style GitHub OIDC provider was used by the examples' roles read-only (no tags, its thumbprint kept).
log "existing accounts: the legacy objects, as the clouds hold them"
python3 hack/demo_clouds.py legacy-show
# >>> AUDIT/IMPORT STEP (issue #18): audit judges every OIDC trust in the three clouds, whoever made it; import
# writes manifests for what compiles back exactly. Both only read.
LEGACY_NS=legacy-adoption
FLEET=(--aws-account 123456789012 --gcp-project my-project
  --azure-subscription 00000000-0000-0000-0000-000000000000 --azure-resource-group my-rg)
log "audit: the operator's trust lint on everything in the clouds (exit 1: there are findings)"
audit_code=0
java -jar operator/target/cifederation-operator.jar audit "${FLEET[@]}" --format table 2>$STATE/audit.log \
  || audit_code=$?
echo "  audit exit code $audit_code"
[[ $audit_code == 1 ]] || { log "audit failed (see $STATE/audit.log)"; exit 1; }
log "import: manifests for what compiles back exactly (Observe, adoptExisting) in $STATE/imported.yaml"
java -jar operator/target/cifederation-operator.jar import "${FLEET[@]}" --namespace $LEGACY_NS \
  > $STATE/imported.yaml 2>$STATE/import.log
grep '^import: ' $STATE/import.log
sed -n '/^# cifederation-operator import/,/^---/p' $STATE/imported.yaml | grep '^#' | grep -i 'import\|legacy'
# legacy-feature comes from the import as it is, but for its issuerRef: the cluster already has a CIIssuer for
# that URL (github), so the imported one (named after the URL) is not applied beside it.
python3 - $STATE/imported.yaml > $STATE/legacy-feature.yaml <<'PY'
import sys
for doc in open(sys.argv[1]).read().split("\n---\n"):
    if "kind: CIFederatedIdentity" in doc and "\n  name: legacy-feature\n" in doc:
        print("\n".join(l.replace("issuerRef: token.actions.githubusercontent.com", "issuerRef: github")
                        for l in doc.splitlines()))
PY
grep -q 'identityName: legacy-feature' $STATE/legacy-feature.yaml \
  || { log "import did not produce legacy-feature (see $STATE/imported.yaml)"; exit 1; }
sed 's/^/    /' $STATE/legacy-feature.yaml
# legacy-deploy (repo:my-org/*) is in import's remediation plan: its manifest is written below, narrowed.
# <<< AUDIT/IMPORT STEP
log "adoption, step 1: manifests for two legacy objects, applied with managementPolicy Observe (nothing is written)"
"$KUBECTL" apply --server-side -f - >/dev/null <<EOF
apiVersion: v1
kind: Namespace
metadata:
  name: $LEGACY_NS
  labels:
    team: legacy
---
# the platform team's grant: this namespace may take over exactly these existing objects
apiVersion: cifederation.dev/v1alpha1
kind: CIFederationPolicy
metadata:
  name: legacy-adoption
spec:
  namespaceSelector:
    matchLabels:
      team: legacy
  repositories: ["my-org/*"]
  subjects: [environment, branch]
  aws:
    accounts: ["123456789012"]
    roleNames: ["legacy-*"]
    managedPolicyArns: ["arn:aws:iam::123456789012:policy/legacy-*"]
    adoptableRoles: ["arn:aws:iam::123456789012:role/legacy-deploy"]
  azure:
    subscriptions: [00000000-0000-0000-0000-000000000000]
    scopes: [/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/my-rg]
    adoptableIdentities:
      - /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/my-rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/legacy-*
---
# legacy-deploy trusts every repository of my-org; this manifest narrows it to one repository's production
apiVersion: cifederation.dev/v1alpha1
kind: CIFederatedIdentity
metadata:
  name: legacy-deploy
  namespace: $LEGACY_NS
spec:
  issuerRef: github
  repository: my-org/my-app
  subject:
    environment: production
  managementPolicy: Observe
  adoptExisting: true
  aws:
    accountId: "123456789012"
    roleName: legacy-deploy
    managedPolicyArns: [arn:aws:iam::123456789012:policy/legacy-deploy-s3]
EOF
# legacy-feature's credential is exactly what the imported manifest declares: it is adopted as it is
"$KUBECTL" apply --server-side -f $STATE/legacy-feature.yaml >/dev/null
condition() { # identity type -> "status reason: message"
  local path="{.status.conditions[?(@.type==\"$2\")]"
  "$KUBECTL" -n $LEGACY_NS get cifi "$1" -o jsonpath="$path.status} $path.reason}: $path.message}"
}
wait_reason() { # identity type reason
  for _ in $(seq 1 90); do
    [[ $("$KUBECTL" -n $LEGACY_NS get cifi "$1" -o jsonpath="{.status.conditions[?(@.type==\"$2\")].reason}") == "$3" ]] \
      && return 0
    sleep 1
  done
  log "$1: $2 is not $3 (see $STATE/operator.log): $(condition "$1" "$2")"; exit 1
}
wait_reason legacy-deploy AWSReady DriftDetected
wait_reason legacy-feature AzureReady Observed
echo "  legacy-deploy   AWSReady   $(condition legacy-deploy AWSReady)"
echo "  legacy-feature  AzureReady $(condition legacy-feature AzureReady)"
BEFORE_ROLE=$(python3 hack/demo_clouds.py aws-role legacy-deploy)
BEFORE_TRUST=$(python3 hack/demo_clouds.py aws-trust legacy-deploy)
BEFORE_AZURE=$(python3 hack/demo_clouds.py azure-credentials legacy-feature)
log "adoption, step 2: managementPolicy Enforce (grant and adoptExisting already in place) takes both over"
for name in legacy-deploy legacy-feature; do
  "$KUBECTL" -n $LEGACY_NS patch cifi $name --type merge -p '{"spec":{"managementPolicy":"Enforce"}}' >/dev/null
done
wait_reason legacy-deploy AWSReady Synced
wait_reason legacy-feature AzureReady Synced
echo "  legacy-deploy   before $BEFORE_ROLE"
echo "                  after  $(python3 hack/demo_clouds.py aws-role legacy-deploy)   (same role)"
echo "                  trust before $BEFORE_TRUST"
echo "                  trust after  $(python3 hack/demo_clouds.py aws-trust legacy-deploy)   (the spec narrowed it)"
echo "  legacy-feature  before $BEFORE_AZURE"
echo "                  after  $(python3 hack/demo_clouds.py azure-credentials legacy-feature)   (credential kept: no gap)"
"$KUBECTL" -n $LEGACY_NS get events -o custom-columns=OBJECT:.involvedObject.name,REASON:.reason,MESSAGE:.message
"$KUBECTL" -n $LEGACY_NS get cifi
echo
log "one identity in full: $KUBECTL -n ci-federation-examples get cifi $IDENTITY -o yaml"
log "the clouds' endpoints: source $STATE/env; then python3 hack/demo_clouds.py show"
log "everything keeps running (operator pid $(cat $STATE/operator.pid)); stop it all with: make demo-down"
