"""What every domain area hands back to the conversation layer: plain values, no SDK types.

The Teams layer turns an `Answer` into an activity (text + Adaptive Card attachment); the CLI
prints `text` (or the card as JSON with --json). Cards are Adaptive Card 1.5 dicts.

Every answer is made safe to show when it is built (`bot.card_safety`): bounded text, no
markdown links in the text or the card, and only buttons the URL policy allows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.card_safety import answer_text, safe_card


@dataclass
class Answer:
    text: str  # plain-text answer; also the card's fallback text
    card: dict[str, Any] | None = None  # Adaptive Card 1.5 content
    kind: str = "other"  # agreement | no_agreement | authority | clarify | courses | help | welcome | …
    data: dict[str, Any] = field(default_factory=dict)  # machine-readable result (--json, follow-ups)
    suggested_actions: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.text = answer_text(self.text)
        if self.card is not None:
            safe_card(self.card)

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "text": self.text, "card": self.card, "data": self.data}
