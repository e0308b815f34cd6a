"""Latency under hostile requests (issue 13): the fuzz test's requests (benchmarks/fuzz_requests.py),
measured, not asserted.

The bot serves the demo register (SQLite) on a real port; hypothesis generates N requests to
every route (half of them Teams-shaped activities to /api/messages with hostile fields, the rest
to the other routes). Each is sent and timed; after each, /healthz is timed too. Printed: p50,
p95 and max per route, the slowest requests, and /healthz's p50 and max.

    python -m benchmarks fuzz
    INNKJOPSBOT_FUZZ_EXAMPLES=1000 python -m benchmarks fuzz
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "demo" / "avtaleregister-demo.csv"
AS_OF = dt.date(2026, 11, 24)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    sys.path.insert(0, str(ROOT / "tests"))
    from hypothesis import HealthCheck, given, settings

    from agreements_sync.sync import sync_export
    from benchmarks.fuzz_requests import FuzzRequest, all_requests, verbs_of
    from bot.db import Database
    from bot.teams.server import SERVICES_KEY
    from test_fuzz_routes import BotThread, send  # the test's server-in-a-thread and plain HTTP client

    examples = int(os.environ.get("INNKJOPSBOT_FUZZ_EXAMPLES", "300"))
    logging.disable(logging.WARNING)  # refused requests are the point here; keep the output to the numbers
    with tempfile.TemporaryDirectory() as tmp:
        database = Database(f"sqlite:///{Path(tmp) / 'bench.db'}")
        database.migrate()
        sync_export(database.engine, DEMO, as_of=AS_OF)
        runner = BotThread(database)
        timings: dict[str, list[float]] = {}
        health: list[float] = []
        slowest: list[tuple[float, str]] = []
        statuses: dict[int, int] = {}
        with runner as (bot, connector):
            while send(bot, FuzzRequest("GET", "/readyz", {})) != 200:
                time.sleep(0.2)
            verbs = verbs_of(bot.app[SERVICES_KEY].areas.card_action_prefixes())

            @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
                      suppress_health_check=list(HealthCheck))
            @given(request=all_requests(bot.app, connector.url, verbs))
            def measure(request: FuzzRequest) -> None:
                started = time.perf_counter()
                status = send(bot, request)
                took = time.perf_counter() - started
                statuses[status] = statuses.get(status, 0) + 1
                timings.setdefault(request.route[:40], []).append(took)
                slowest.append((took, repr(request)[:140]))
                started = time.perf_counter()
                send(bot, FuzzRequest("GET", "/healthz", {}))
                health.append(time.perf_counter() - started)

            measure()
    total = sum(len(v) for v in timings.values())
    print(f"{total} hostile requests; statuses: {dict(sorted(statuses.items()))}")
    for route, values in sorted(timings.items()):
        print(f"  {route:<40} n={len(values):>4}  p50 {1000 * statistics.median(values):7.1f} ms  "
              f"p95 {1000 * _percentile(values, 0.95):7.1f} ms  max {1000 * max(values):7.1f} ms")
    print(f"  /healthz after each: p50 {1000 * statistics.median(health):.1f} ms, max {1000 * max(health):.1f} ms")
    print(f"  over 2 s: {sum(1 for t, _ in slowest if t > 2)} of {total}")
    for took, request in sorted(slowest, reverse=True)[:3]:
        print(f"  slowest {1000 * took:7.1f} ms  {request}")


if __name__ == "__main__":
    main()
