"""How fast the authority engine answers: questions per second over the question set (no search)."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import yaml

from bot.authority import analyse
from bot.authority.render import authority_answer

QUESTIONS = Path(__file__).resolve().parent.parent / "tests" / "data" / "authority" / "questions.yaml"


def main() -> None:
    items = yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))["questions"]
    as_of = dt.date(2026, 11, 24)
    start = time.perf_counter()
    analyse("møbler for 350 000", as_of)  # first call loads and validates the knowledge files
    load_ms = (time.perf_counter() - start) * 1000
    rounds = 5
    timings: list[float] = []
    for _ in range(rounds):
        for item in items:
            t0 = time.perf_counter()
            authority_answer(analyse(item["q"], as_of), "nb")
            timings.append((time.perf_counter() - t0) * 1000)
    timings.sort()
    n = len(timings)
    print(f"authority: first call (load + validate knowledge) {load_ms:.1f} ms")
    print(f"authority: {n} answers, p50 {timings[n // 2]:.2f} ms, p95 {timings[int(n * 0.95)]:.2f} ms, "
          f"{n / (sum(timings) / 1000):.0f} answers/s")


if __name__ == "__main__":
    main()
