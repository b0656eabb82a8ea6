#!/usr/bin/env bash
# make bench: the scale and cost benchmark (README, "Scale and cost"). For each N: a control plane of its own
# (beside any running demo), fresh moto and fakes, the operator jar; see bench/src/main/java/.../BenchRun.java for
# the phases. Results: $OUT/<clouds>-n<N>.json and .md, $OUT/summary.md, and $OUT/sweep.png for a sweep.
#
#   N=1000            identities per run; several values ("100 500 1000 5000") make a sweep
#   CLOUDS=aws,gcp,azure   the clouds every identity uses
#   RESYNC=30         CIFED_RESYNC_INTERVAL (s) of the resync and drift phases
#   OUT=bench/results where the results go
#   OPERATOR_JAVA_OPTS="-XX:MaxRAM=512m -XX:MaxRAMPercentage=75 -XX:+UseSerialGC -XX:TieredStopAtLevel=1"   the JVM of the chart (512Mi)
#   BENCH_JAVA_OPTS="-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"   this driver's JVM: it shares the CPUs with the
#                     operator, so its JIT must not compete with it (C2 compiled for seconds in the create phase)
#   PLOT=1            draw sweep.png (matplotlib, installed into a venv under ~/.cache/cifed)
#   BUILD=1           build the jars first (0: use what is in */target)
#   NOTE=""           what else ran on the machine, written into the results
#   SHARDS=1          operator processes side by side, each reconciling the identities labelled with its shard
#                     (creation and floor only; results <clouds>-n<N>-shards<S>, left out of summary.md and the plot)
#   PROFILE=0         1: a JFR recording of the create phase, its top frames in the run's .md (recording in WORK)
#   WORK=.local/bench logs, jar copies and the control plane of the runs
set -euo pipefail
cd "$(dirname "$0")/.."
N="${N:-1000}"
CLOUDS="${CLOUDS:-aws,gcp,azure}"
RESYNC="${RESYNC:-30}"
OUT="${OUT:-bench/results}"
OPERATOR_JAVA_OPTS="${OPERATOR_JAVA_OPTS:--XX:MaxRAM=512m -XX:MaxRAMPercentage=75 -XX:+UseSerialGC -XX:TieredStopAtLevel=1}"
BENCH_JAVA_OPTS="${BENCH_JAVA_OPTS:--XX:TieredStopAtLevel=1 -XX:+UseSerialGC}"
PLOT="${PLOT:-1}"
BUILD="${BUILD:-1}"
NOTE="${NOTE:-}"
SHARDS="${SHARDS:-1}"
PROFILE="${PROFILE:-0}"
WORK="${WORK:-.local/bench}"
export CIFED_CLUSTER_DIR="$WORK/cluster" CIFED_CLUSTER_KUBECONFIG="$WORK/kubeconfig"
log() { echo "[bench] $*" >&2; }

hack/build-control-plane.sh
hack/install-moto.sh
MOTO=$(command -v moto_server || echo "$HOME/.local/bin/moto_server")
[[ -x $MOTO ]] || { log "moto_server not found after hack/install-moto.sh"; exit 1; }
if [[ $BUILD == 1 ]]; then
  log "building the operator, the fakes and the benchmark"
  mvn -B -ntp -q package -DskipTests -DskipITs
fi
# a copy: a build during the run must not replace a jar under a running JVM
JARS="$WORK/jars"
mkdir -p "$JARS"
for jar in operator/target/cifederation-operator.jar fake-gcp-iam/target/fake-gcp-iam.jar \
    fake-azure-arm/target/fake-azure-arm.jar bench/target/cifederation-bench.jar; do
  [[ -f $jar ]] || { log "missing $jar (run with BUILD=1)"; exit 1; }
  cp "$jar" "$JARS/"
done

mkdir -p "$OUT" "$WORK"
trap 'hack/cluster-down.sh >/dev/null 2>&1 || true' EXIT
for n in $N; do
  name="$(echo "$CLOUDS" | tr ',' '-')-n$n"
  [[ $SHARDS == 1 ]] || name="$name-shards$SHARDS"
  extra=()
  [[ $PROFILE == 1 ]] && extra+=(--profile)
  log "N=$n, clouds $CLOUDS: fresh control plane"
  hack/cluster-down.sh >/dev/null 2>&1 || true
  hack/cluster-up.sh
  # shellcheck disable=SC2086 # the options are words
  java $BENCH_JAVA_OPTS -jar "$JARS/cifederation-bench.jar" run --identities "$n" --clouds "$CLOUDS" \
    --kubeconfig "$CIFED_CLUSTER_KUBECONFIG" --cluster-dir "$CIFED_CLUSTER_DIR" --repo-root . --jars "$JARS" --moto "$MOTO" --resync-seconds "$RESYNC" \
    --operator-java-options "$OPERATOR_JAVA_OPTS" --work-dir "$WORK/logs-$name" --note "$NOTE" \
    --shards "$SHARDS" ${extra[@]+"${extra[@]}"} --out "$OUT/$name.json"
done
hack/cluster-down.sh >/dev/null 2>&1 || true

java -jar "$JARS/cifederation-bench.jar" summary --results "$OUT" --out "$OUT/summary.md" >/dev/null
log "summary: $OUT/summary.md"
if [[ $PLOT == 1 ]]; then
  VENV="${CIFED_CACHE_DIR:-$HOME/.cache/cifed}/bench-venv"
  if ! "$VENV/bin/python" -c 'import matplotlib' 2>/dev/null; then
    log "installing matplotlib into $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet 'matplotlib>=3.8,<4'
  fi
  "$VENV/bin/python" bench/plot.py "$OUT" "$OUT/sweep.png"
  log "plot: $OUT/sweep.png"
fi
