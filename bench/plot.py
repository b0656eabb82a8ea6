"""Draws converge time and cloud calls per identity against N from the result JSONs of a sweep."""
import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main(results: Path, out: Path) -> None:
    runs = [json.loads(p.read_text()) for p in sorted(results.glob("*.json"))]
    # sharded runs measure creation only; their .md has the per-shard table
    runs = [r for r in runs if r.get("run", {}).get("shards", 1) == 1]
    series = {}
    for r in runs:
        key = "+".join(sorted(r["run"]["clouds"], key=["aws", "gcp", "azure"].index))
        series.setdefault(key, []).append(r)
    fig, (time_ax, calls_ax) = plt.subplots(1, 2, figsize=(12, 4.5))
    for key, rs in sorted(series.items()):
        rs.sort(key=lambda r: r["run"]["identities"])
        n = [r["run"]["identities"] for r in rs]
        time_ax.plot(n, [r["create"]["seconds"] for r in rs], "o-", label=f"{key}: operator")
        time_ax.plot(n, [r["floor"]["seconds"] for r in rs], "o--", label=f"{key}: floor")
        ops = [sum(sum(v.values()) for v in r["create"]["calls"].values()) / r["run"]["identities"] for r in rs]
        floor = [sum(sum(v.values()) for v in r["floor"]["calls"].values()) / r["run"]["identities"] for r in rs]
        resync = [sum(r["resync"]["readsPerResync"].values()) for r in rs]
        calls_ax.plot(n, ops, "o-", label=f"{key}: operator, creation")
        calls_ax.plot(n, floor, "o--", label=f"{key}: floor, creation")
        calls_ax.plot(n, [x / m for x, m in zip(resync, n)], "s:", label=f"{key}: operator, one resync")
    time_ax.set(xlabel="identities (N)", ylabel="apply → all Ready (s)", title="Converge time", xscale="log", yscale="log")
    calls_ax.set(xlabel="identities (N)", ylabel="cloud calls per identity", title="Cloud calls", xscale="log")
    for ax in (time_ax, calls_ax):
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    machine = runs[0]["run"]["machine"] if runs else {}
    fig.suptitle(f"cifederation-operator, {machine.get('cpus', '?')} CPUs ({machine.get('cpuModel', '')})", fontsize=10)
    fig.tight_layout()
    fig.savefig(out, dpi=110)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
