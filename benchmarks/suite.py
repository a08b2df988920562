"""The benchmark suite: openai_async against the official SDK and a raw floor, same run.

    python benchmarks/suite.py [--repeat 5] [--clients openai_async,openai,openai_aiohttp,floor]

Every (scenario, client) pair runs ``--repeat`` times, each in a fresh process, against
``fast_server.py`` in its own process, in rounds of one run per client; the table shows
median rates and each client's ratio to the floor: the median over rounds of its rate
over the floor's in the same round (higher is better; 1.0 = as fast as raw aiohttp +
orjson). On a shared VM throughput drifts by tens of percent over minutes; pairing
runs by round keeps that drift out of the ratios. The server's CPU
share (of one core) is recorded per scenario so a saturated server would show. Results
go to ``benchmarks/results/`` as JSON, and as a PNG chart when matplotlib is installed.
Clients that are not installed (the official ``openai``) are skipped and said so.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from clients import COLD, cold_program

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
# name: (row of the table, label of the chart)
SCENARIOS = {
    "chat": ("2,000 chats, concurrency 64 (req/s)", "chat"),
    "raw_chat": ("the same through with_raw_response (req/s)", "chat,\nraw response"),
    "embeddings_float": ("500 embeddings x16x1536, float (req/s)", "embeddings,\nfloat"),
    "embeddings_base64": ("the same, base64 (req/s)", "embeddings,\nbase64"),
    "one_stream": ("one stream of 20,000 chunks (chunks/s)", "one chat\nstream"),
    "many_streams": ("200 streams x 200 chunks (chunks/s)", "200 chat\nstreams"),
    "responses_streams": ("50 Responses streams x 400 deltas (events/s)", "Responses\nstreams"),
    "sync_chat": ("500 sequential sync chats (req/s)", "sync chat"),
    "sync_stream": ("one sync stream of 20,000 chunks (chunks/s)", "one sync\nchat stream"),
}
ALL_CLIENTS = ("openai_async", "openai", "openai_aiohttp", "floor")
IMPORTS = {
    "openai_async": "import openai_async",
    "openai": "import openai",
    "openai_aiohttp": "import openai",
    "floor": "import aiohttp, orjson",
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _available(client: str) -> bool:
    return (
        client not in ("openai", "openai_aiohttp") or importlib.util.find_spec("openai") is not None
    )


def _run(client: str, scenario: str, base: str) -> dict[str, float] | None:
    out = subprocess.run(
        [sys.executable, str(HERE / "clients.py"), client, scenario, base],
        env=_USER_ENV,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if out.returncode != 0:
        print(f"{client} {scenario} failed (left out of the table):\n{out.stderr[-1500:]}")
        return None
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


# Bytecode cached, as users have it: PYTHONDONTWRITEBYTECODE (set in some sandboxes)
# would recompile every module in every fresh process and time the compiler.
_USER_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _import_ms(statement: str, runs: int = 7) -> float:
    """Median wall time of ``statement`` in fresh processes."""
    env = _USER_ENV
    code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    run = [sys.executable, "-c", code]
    subprocess.run(run, env=env, capture_output=True, check=True)  # writes the bytecode
    times = []
    for _ in range(runs):
        out = subprocess.run(run, env=env, capture_output=True, text=True, check=True)
        times.append(float(out.stdout) * 1000)
    return statistics.median(times)


def _cold_ms(client: str, base: str, runs: int = 7) -> float:
    """Median wall time of a fresh process's whole program (``clients.COLD``): import,
    build a client, complete one chat; timed from the program's first line."""
    run = [sys.executable, "-c", cold_program(client, base)]
    subprocess.run(run, env=_USER_ENV, capture_output=True, check=True)  # writes the bytecode
    times = []
    for _ in range(runs):
        out = subprocess.run(run, env=_USER_ENV, capture_output=True, text=True, check=True)
        times.append(float(out.stdout))
    return statistics.median(times)


def _extras() -> dict[str, list[str]]:
    """The scenarios with floors of their own, as their scripts report them: Realtime
    events/s against a raw aiohttp WebSocket loop, and tracing off / on (client CPU per
    call; needs opentelemetry-sdk)."""
    found = {}
    scripts = {"realtime": ["bench_realtime.py", "--events", "20000", "--runs", "3"]}
    if importlib.util.find_spec("opentelemetry.sdk") is not None:
        scripts["tracing"] = ["bench_tracing.py", "--requests", "1000", "--rounds", "3"]
    else:
        print("skipped the tracing rows: opentelemetry-sdk is not installed")
    for name, (script, *args) in scripts.items():
        out = subprocess.run(
            [sys.executable, str(HERE / script), *args],
            env=_USER_ENV,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if out.returncode != 0:
            print(f"{script} failed (left out):\n{out.stderr[-1500:]}")
            continue
        found[name] = [line.rstrip() for line in out.stdout.splitlines() if line.strip()]
    return found


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--clients", default=",".join(ALL_CLIENTS))
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    args = parser.parse_args()
    wanted = [c for c in args.clients.split(",") if c]
    clients = [c for c in wanted if _available(c)]
    for c in sorted(set(wanted) - set(clients)):
        print(f"skipped {c}: not installed (the bench nox session installs it)")
    scenarios = [s for s in args.scenarios.split(",") if s]

    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, str(HERE / "fast_server.py"), str(port)], stdout=subprocess.PIPE, text=True
    )
    assert server.stdout is not None
    server.stdout.readline()  # "ready"
    base = f"http://127.0.0.1:{port}/v1"
    results: dict[str, dict[str, dict[str, Any]]] = {}
    server_share: dict[str, float] = {}
    started = time.perf_counter()
    try:
        for scenario in scenarios:
            cpu0, wall0 = _cpu_seconds(server.pid), time.perf_counter()
            runnable = [
                c for c in clients if not (scenario.startswith("sync_") and c == "openai_aiohttp")
            ]
            # Rounds of one run per client: a slow spell of a shared VM then hits every
            # client of the round, and each ratio compares runs of the same round.
            rounds = [{c: _run(c, scenario, base) for c in runnable} for _ in range(args.repeat)]
            results[scenario] = _summarize(rounds, runnable)
            server_share[scenario] = (_cpu_seconds(server.pid) - cpu0) / (
                time.perf_counter() - wall0
            )
        cold = {c: _cold_ms(c, base) for c in clients if c in COLD}
    finally:
        server.terminate()
        server.wait()
    imports = {c: _import_ms(IMPORTS[c]) for c in clients if c != "openai_aiohttp"}
    extras = _extras() if "openai_async" in clients else {}
    elapsed = time.perf_counter() - started

    header = f"{'scenario':<46}" + "".join(f"{c:>16}" for c in clients) + f"{'server cpu':>12}"
    lines = [header, "-" * len(header)]
    for scenario in scenarios:
        floor = results[scenario].get("floor", {}).get("rate")
        cells = []
        for c in clients:
            r = results[scenario].get(c)
            if r is None:
                cells.append(f"{'-':>16}")
            elif floor and c != "floor":
                cells.append(f"{r['rate']:>9,.0f} {r['ratio']:>5.2f}x")
            else:
                cells.append(f"{r['rate']:>16,.0f}")
        lines.append(
            f"{SCENARIOS[scenario][0]:<46}" + "".join(cells) + f"{server_share[scenario]:>11.0%}"
        )
    lines.append(
        f"{'import time (ms, median of 7)':<46}"
        + "".join(f"{imports[c]:>16.0f}" if c in imports else f"{'-':>16}" for c in clients)
    )
    floor_cold = cold.get("floor")
    lines.append(
        f"{'cold start: import, client, 1 chat (ms, x floor)':<46}"
        + "".join(
            f"{cold[c]:>9.0f} {cold[c] / floor_cold:>5.2f}x"
            if c in cold and floor_cold
            else f"{'-':>16}"
            for c in clients
        )
    )
    if "many_streams" in results:
        d = results["many_streams"]
        floor_rss = d.get("floor", {}).get("max_rss_kb")
        lines.append(
            f"{'peak RSS during 200 streams (MB, x floor)':<46}"
            + "".join(
                f"{d[c]['max_rss_kb'] / 1024:>9.0f} {d[c]['max_rss_kb'] / floor_rss:>5.2f}x"
                if c in d and floor_rss
                else f"{'-':>16}"
                for c in clients
            )
        )
    lines += [f"{name}: {line}" for name, found in extras.items() for line in found]
    table = "\n".join(lines)
    print(table)
    print(f"\n{elapsed:.0f} s on {os.cpu_count()} cores, Python {platform.python_version()}")

    RESULTS.mkdir(exist_ok=True)
    payload = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "repeat": args.repeat,
        "results": results,
        "server_cpu_share": server_share,
        "import_ms": imports,
        "cold_start_ms": cold,
        "extras": extras,
        "table": table,
    }
    (RESULTS / "latest.json").write_text(json.dumps(payload, indent=2) + "\n")
    _chart(results, scenarios, clients)


def _summarize(
    rounds: list[dict[str, dict[str, float] | None]], clients: list[str]
) -> dict[str, dict[str, Any]]:
    """Per client: median rate and peak RSS over its runs, and the median over rounds of
    its rate divided by the floor's in the same round (``ratio``)."""
    out: dict[str, dict[str, Any]] = {}
    for c in clients:
        runs = [run for r in rounds if (run := r[c]) is not None]
        if not runs:
            continue
        out[c] = {
            "rate": statistics.median(r["rate"] for r in runs),
            "max_rss_kb": statistics.median(r["max_rss_kb"] for r in runs),
            "rates": [r["rate"] for r in runs],
        }
        paired = [
            own["rate"] / floor["rate"]
            for r in rounds
            if (own := r[c]) is not None and (floor := r.get("floor")) is not None
        ]
        if paired:
            out[c]["ratio"] = statistics.median(paired)
    return out


def _chart(
    results: dict[str, dict[str, dict[str, Any]]], scenarios: list[str], clients: list[str]
) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("(matplotlib not installed: no chart)")
        return
    others = [c for c in clients if c != "floor"]
    fig, ax = plt.subplots(figsize=(12, 5))
    width = 0.8 / max(len(others), 1)
    for i, c in enumerate(others):
        ratios = [results[s].get(c, {}).get("ratio", 0) for s in scenarios]
        ax.bar([x + i * width for x in range(len(scenarios))], ratios, width, label=c)
    ax.axhline(1.0, color="grey", linewidth=0.8)
    ax.set_xticks([x + width * (len(others) - 1) / 2 for x in range(len(scenarios))])
    ax.set_xticklabels([SCENARIOS[s][1] for s in scenarios], fontsize=8)
    ax.set_ylabel("throughput / raw floor")
    ax.set_title("openai_async vs the official SDK (ratio to the raw aiohttp/http.client floor)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(RESULTS / "latest.png", dpi=100)
    print(f"chart: {RESULTS / 'latest.png'}")


if __name__ == "__main__":
    main()
