"""Chat: "oversikt" / "frister" shows deadlines — all of them to the procurement section, an
owner's own to everyone else. Anything else falls through (None) to the next area."""

from __future__ import annotations

import re
from typing import Any

from bot.alerts import cards
from bot.alerts.config import load_config
from bot.alerts.overview import overview
from bot.answer import Answer


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s]", " ", text.lower())).strip()


def try_answer(services: Any, user: Any, text: str, state: dict[str, Any] | None = None) -> Answer | None:
    config = load_config()
    if _normalise(text) not in {_normalise(c) for c in config.chat_commands}:
        return None
    months = config.digest.months
    as_of = services.today()
    lang = user.lang
    with services.database.session() as session:
        rows = overview(session, as_of, months, config)
    admin = services.is_admin(user)
    if not admin:
        mine = (user.email or "").lower()
        rows = [r for r in rows if mine and r["owner_email"] == mine]
    card = cards.digest_card(rows, as_of, months, config.digest.max_items, lang)
    if not admin:
        card["body"][0]["text"] = cards.t("my_title", lang, months=months)
        if not rows:
            card["body"][1]["text"] = cards.t("my_empty", lang, months=months)
    title = card["body"][0]["text"]
    lines = [title] + [
        f"{r['due'].isoformat()} {r['agreement_id']} {r['title']} – {cards.t('milestone.' + r['milestone'], lang)}: "
        f"{cards.status_text(r, lang)}"
        for r in rows[: config.digest.max_items]
    ]
    return Answer("\n".join(lines), card=card, kind="alerts_overview",
                  data={"scope": "all" if admin else "mine", "deadlines": len(rows)})
