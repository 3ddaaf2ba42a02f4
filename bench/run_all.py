"""Load benchmark (``make bench``): one Rasa instance, then two, with shared stores.

For each setting it starts the action server and the Rasa instance(s) on 127.0.0.1
(tracker store and intakes in a fresh PostgreSQL database, locks in Redis), runs one
resident alone and then N residents at once (default 50, 2 s think time), and prints
messages per second, p50/p95/p99 latency per message, errors and each process's peak
memory. The same figures go to var/bench/<timestamp>.json and var/bench/latest.json.

Everything runs on this machine and stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from bench.conversations import Results, run_residents
from bench.stack import Stack, create_database, drop_database, postgres_available, postgres_url
from bot.ops.processes import MODEL_PATH
from bot.paths import VAR_DIR

REDIS_URL = "redis://127.0.0.1:6379/14"
TARGETS = {"alone_p50_ms": 60, "alone_p95_ms": 150, "load_p95_ms": 400, "rasa_peak_mb": 1536}


def summary(results: Results, wall_s: float) -> dict[str, Any]:
    latencies = np.array(results.latencies_ms or [float("nan")])
    return {
        "messages": len(results.latencies_ms),
        "conversations": results.conversations,
        "intakes": results.intakes,
        "wall_s": round(wall_s, 2),
        "messages_per_s": round(len(results.latencies_ms) / wall_s, 2) if wall_s else 0.0,
        "p50_ms": round(float(np.percentile(latencies, 50)), 1),
        "p95_ms": round(float(np.percentile(latencies, 95)), 1),
        "p99_ms": round(float(np.percentile(latencies, 99)), 1),
        "max_ms": round(float(np.max(latencies)), 1),
        "errors": results.errors,
        "error_kinds": results.error_kinds,
    }


def machine() -> dict[str, Any]:
    import os

    memory_kb = next(
        (int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
         if line.startswith("MemTotal:")), 0)
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    return {"cpus": os.cpu_count(), "cpu": cpu, "memory_gb": round(memory_kb / 1024 / 1024, 1),
            "os": platform.platform(), "python": platform.python_version(),
            "load_average_at_start": list(os.getloadavg())}


def run_setting(instances: int, residents: int, think_s: float, workdir: Path) -> dict[str, Any]:
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    database = create_database("oco_bench")
    url = postgres_url(database)
    stack = Stack(workdir=workdir / f"{instances}x", database_url=url, tracker_store_url=url,
                  lock_store_url=REDIS_URL, rasa_instances=instances)
    try:
        print(f"[{instances} instantie(s)] starten...", flush=True)
        stack.start()
        urls = stack.rasa_urls
        asyncio.run(run_residents(urls, residents=2, think_s=0.0, seed=1))  # warm-up
        # "Alone" means one resident at a time: the three scripts one after the other.
        alone = Results()
        alone_wall = 0.0
        for seed, script in enumerate(["faq", "clarification", "handover"] * 2):
            part, wall = asyncio.run(run_residents(urls, residents=1, think_s=0.0, seed=10 + seed, scripts=[script]))
            alone.latencies_ms += part.latencies_ms
            alone.errors += part.errors
            alone.conversations += part.conversations
            alone.intakes += part.intakes
            for kind, n in part.error_kinds.items():
                alone.error_kinds[kind] = alone.error_kinds.get(kind, 0) + n
            alone_wall += wall
        print(f"[{instances} instantie(s)] {residents} inwoners tegelijk...", flush=True)
        load, load_wall = asyncio.run(run_residents(urls, residents=residents, think_s=think_s, seed=3))
        memory = stack.sample_memory()
    finally:
        stack.stop()
        drop_database(database)
    return {
        "instances": instances,
        "balancing": "round robin per message (client)" if instances > 1 else "none",
        "alone": summary(alone, alone_wall),
        "load": {"residents": residents, "think_s": think_s, **summary(load, load_wall)},
        "peak_rss_mb": memory,
    }


def table(report: dict[str, Any]) -> str:
    header = (f"{'instelling':<22} {'berichten':>9} {'msg/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
              f"{'fouten':>6}  piekgeheugen (MB)")
    lines = [header, "-" * len(header)]
    for setting in report["settings"]:
        memory = ", ".join(f"{name} {mb:.0f}" for name, mb in setting["peak_rss_mb"].items())
        for label, part in (("1 inwoner", setting["alone"]),
                            (f"{setting['load']['residents']} inwoners", setting["load"])):
            name = f"{setting['instances']}x Rasa, {label}"
            lines.append(f"{name:<22} {part['messages']:>9} {part['messages_per_s']:>7} {part['p50_ms']:>7} "
                         f"{part['p95_ms']:>7} {part['p99_ms']:>7} {part['errors']:>6}  "
                         f"{memory if label == '1 inwoner' else ''}")
    return "\n".join(lines)


def check_targets(report: dict[str, Any]) -> list[str]:
    misses = []
    for setting in report["settings"]:
        name = f"{setting['instances']}x"
        if setting["alone"]["p50_ms"] > TARGETS["alone_p50_ms"]:
            misses.append(f"{name}: 1 inwoner p50 {setting['alone']['p50_ms']} ms > {TARGETS['alone_p50_ms']}")
        if setting["alone"]["p95_ms"] > TARGETS["alone_p95_ms"]:
            misses.append(f"{name}: 1 inwoner p95 {setting['alone']['p95_ms']} ms > {TARGETS['alone_p95_ms']}")
        if setting["load"]["p95_ms"] > TARGETS["load_p95_ms"]:
            misses.append(f"{name}: belasting p95 {setting['load']['p95_ms']} ms > {TARGETS['load_p95_ms']}")
        if setting["load"]["errors"] or setting["alone"]["errors"]:
            misses.append(f"{name}: fouten {setting['alone']['errors'] + setting['load']['errors']}")
        for proc, mb in setting["peak_rss_mb"].items():
            if proc.startswith("rasa") and mb > TARGETS["rasa_peak_mb"]:
                misses.append(f"{name}: {proc} piekgeheugen {mb} MB > {TARGETS['rasa_peak_mb']}")
    return misses


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench", description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=50)
    parser.add_argument("--think", type=float, default=2.0, help="denktijd in seconden")
    parser.add_argument("--instances", default="1,2", help="bijv. 1,2")
    parser.add_argument("--out", type=Path, default=VAR_DIR / "bench")
    args = parser.parse_args(argv)
    if not MODEL_PATH.exists():
        print("Geen getraind model: draai eerst `make train`.", file=sys.stderr)
        return 1
    if not postgres_available():
        print("PostgreSQL op 127.0.0.1:5432 is niet bereikbaar.", file=sys.stderr)
        return 1
    report: dict[str, Any] = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": "make bench  (" + " ".join(["python -m bench.run_all", *(argv or sys.argv[1:])]).strip() + ")",
        "machine": machine(),
        "targets": TARGETS,
        "settings": [],
    }
    with tempfile.TemporaryDirectory(prefix="oco-bench-") as tmp:
        for instances in [int(n) for n in args.instances.split(",") if n.strip()]:
            report["settings"].append(run_setting(instances, args.residents, args.think, Path(tmp)))
    report["missed_targets"] = check_targets(report)
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for path in (args.out / f"bench-{stamp}.json", args.out / "latest.json"):
        path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print()
    print(table(report))
    print()
    print("Doelen gehaald." if not report["missed_targets"] else "Doelen niet gehaald:\n  " +
          "\n  ".join(report["missed_targets"]))
    print(f"JSON: {args.out / 'latest.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
