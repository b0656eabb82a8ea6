#!/usr/bin/env bash
# make soak: the crash and fault soak (README, "Reliability"). A control plane of its own (beside any demo), moto and
# the fakes behind fault proxies, the operator jar SIGKILLed in every phase; see bench/src/main/java/.../SoakRun.java.
#
#   N=60              identities (each on AWS, GCP and Azure)
#   SEED=             replays a run (printed at the start of each); default: the current time
#   RESYNC=10         CIFED_RESYNC_INTERVAL (s)
#   OUTAGE=60         seconds of the one-cloud outage
#   OUT=bench/results where soak-n<N>.json and .md go
#   BUILD=1           build the jars first (0: use what is in */target)
#   WORK=.local/soak  logs, jar copies and the control plane of the run
set -euo pipefail
cd "$(dirname "$0")/.."
N="${N:-60}"
SEED="${SEED:-}"
RESYNC="${RESYNC:-10}"
OUTAGE="${OUTAGE:-60}"
OUT="${OUT:-bench/results}"
BUILD="${BUILD:-1}"
WORK="${WORK:-.local/soak}"
OPERATOR_JAVA_OPTS="${OPERATOR_JAVA_OPTS:--XX:MaxRAM=512m -XX:MaxRAMPercentage=75 -XX:+UseSerialGC -XX:TieredStopAtLevel=1}"
export CIFED_CLUSTER_DIR="$WORK/cluster" CIFED_CLUSTER_KUBECONFIG="$WORK/kubeconfig"
log() { echo "[soak] $*" >&2; }

hack/build-control-plane.sh
hack/install-moto.sh
MOTO=$(command -v moto_server || echo "$HOME/.local/bin/moto_server")
[[ -x $MOTO ]] || { log "moto_server not found after hack/install-moto.sh"; exit 1; }
if [[ $BUILD == 1 ]]; then
  log "building the operator, the fakes and the harness"
  mvn -B -ntp -q package -DskipTests -DskipITs
fi
JARS="$WORK/jars"
mkdir -p "$JARS" "$OUT"
for jar in operator/target/cifederation-operator.jar fake-gcp-iam/target/fake-gcp-iam.jar \
    fake-azure-arm/target/fake-azure-arm.jar bench/target/cifederation-bench.jar; do
  [[ -f $jar ]] || { log "missing $jar (run with BUILD=1)"; exit 1; }
  cp "$jar" "$JARS/"
done
trap 'hack/cluster-down.sh >/dev/null 2>&1 || true' EXIT
hack/cluster-down.sh >/dev/null 2>&1 || true
hack/cluster-up.sh
java -jar "$JARS/cifederation-bench.jar" soak --identities "$N" ${SEED:+--seed "$SEED"} \
  --kubeconfig "$CIFED_CLUSTER_KUBECONFIG" --cluster-dir "$CIFED_CLUSTER_DIR" --repo-root . --jars "$JARS" \
  --moto "$MOTO" --resync-seconds "$RESYNC" --outage-seconds "$OUTAGE" \
  --operator-java-options "$OPERATOR_JAVA_OPTS" --work-dir "$WORK/logs" --out "$OUT/soak-n$N.json"
