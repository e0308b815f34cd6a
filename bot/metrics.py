"""Prometheus metrics of one app instance (a per-app CollectorRegistry, so tests can build many).

Exposed at `GET /metrics`:
- `innkjopsbot_turns_total{type}`             activities handled, by activity type (message, invoke …)
- `innkjopsbot_turn_seconds`                   histogram of the time from request to response
- `innkjopsbot_answers_total{kind}`            answers given, by kind (agreement, no_agreement, authority …)
- `innkjopsbot_errors_total{where}`            errors (turn, rejected request, action …)
- `innkjopsbot_rejected_requests_total{reason}` requests refused before the SDK (bad JSON, too large …)
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.turns = Counter("innkjopsbot_turns", "Activities handled, by type", ["type"], registry=self.registry)
        self.latency = Histogram(
            "innkjopsbot_turn_seconds", "Time from request to response", buckets=_BUCKETS, registry=self.registry
        )
        self.answers = Counter("innkjopsbot_answers", "Answers given, by kind", ["kind"], registry=self.registry)
        self.errors = Counter("innkjopsbot_errors", "Errors, by where they happened", ["where"], registry=self.registry)
        self.rejected = Counter(
            "innkjopsbot_rejected_requests", "Requests refused before the SDK, by reason", ["reason"],
            registry=self.registry,
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)
