"""What every card the bot sends may hold: bounded text, no markdown links, safe buttons.

Cards carry text from the register, from courses and from announcements. Three rules, applied
where cards are built (every `bot.answer.Answer`, and the alert, course and announcement cards
that go out through the outbox):

- **Sizes.** A TextBlock holds at most MAX_CARD_TEXT_CHARS characters, a fact MAX_CARD_FACT_CHARS,
  and the whole card stays under MAX_CARD_BYTES (Teams refuses a card over about 28 KB): the
  longest texts are shortened first, then the last body items give way to "…".
- **No markdown links.** Teams renders markdown in a TextBlock, so a title such as
  `[Bestill her](https://evil.example)` would become a disguised link. Links are buttons; in
  text, `](`, `][`, `]:` and `<scheme:` get an invisible zero-width space, so the text shows as
  written (an address stays visible) and never as a link. The one exception is the bot's own
  person link, `[Name](mailto:address)` (a contact in a fact): kept when the name has no
  brackets and the address passes the button rule, so it can only ever open a mail.
- **Buttons** (Action.OpenUrl, selectAction) open only what `agreements_sync.urls` allows: https
  links, the bot's own `mailto:` and `data:text/calendar`. Any other button is left out.

The limits live in `agreements_sync.limits` with every other limit.
"""

from __future__ import annotations

import json
import re
from typing import Any

from agreements_sync.limits import MAX_ANSWER_TEXT_CHARS, MAX_CARD_BYTES, MAX_CARD_FACT_CHARS, MAX_CARD_TEXT_CHARS
from agreements_sync.urls import button_url_allowed

_LINK_SYNTAX = re.compile(r"\](?=[(\[:])|<(?=[A-Za-z][A-Za-z0-9+.\-]*:)")
_ZWSP = "\u200b"
_MAIL_LINK = re.compile(r"\[([^\[\]\n]{1,200})\]\((mailto:[^()\s<>]{3,320})\)")
_BRACKETS = re.compile(r"[\[\]]")
_MAX_ACTION_TITLE_CHARS = 200
_MIN_SHORTENED = 200


def _neutral(text: str) -> str:
    return _LINK_SYNTAX.sub(lambda m: m.group(0) + _ZWSP, text)


def plain(text: str) -> str:
    """`text` as it reads, never rendered as a markdown link (but a person's mail link)."""
    if "]" not in text and "<" not in text:
        return text
    parts: list[str] = []
    start = 0
    for match in _MAIL_LINK.finditer(text):
        if button_url_allowed(match.group(2)):
            parts.append(_neutral(text[start:match.start()]))
            parts.append(match.group(0))
            start = match.end()
    parts.append(_neutral(text[start:]))
    return "".join(parts)


def person_link(name: str, email: str) -> str:
    """A person as the bot's own mail link (the name shows, the address is the link); a name
    from the register loses its brackets, so it can never close the link early."""
    label = _BRACKETS.sub("", name).strip()
    if label and email:
        return f"[{label}](mailto:{email})"
    return name or email or "–"


def shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit * 0.8 else cut) + "…"


def answer_text(text: str) -> str:
    """The plain-text answer (also the card's fallback, and the message when there is no card)."""
    return shorten(plain(text), MAX_ANSWER_TEXT_CHARS)


def safe_card(card: dict[str, Any]) -> dict[str, Any]:
    """The card made safe in place (see the module doc), and returned."""
    texts: list[tuple[dict[str, Any], str]] = []
    _walk(card, texts)
    _fit(card, texts)
    return card


def _bad_button(node: Any) -> bool:
    return isinstance(node, dict) and node.get("type") == "Action.OpenUrl" and not button_url_allowed(node.get("url"))


def _walk(node: Any, texts: list[tuple[dict[str, Any], str]]) -> None:
    if isinstance(node, list):
        node[:] = [item for item in node if not _bad_button(item)]
        for item in node:
            _walk(item, texts)
        return
    if not isinstance(node, dict):
        return
    if _bad_button(node.get("selectAction")):
        del node["selectAction"]
    kind = node.get("type")
    if kind == "TextBlock" and isinstance(node.get("text"), str):
        node["text"] = shorten(plain(node["text"]), MAX_CARD_TEXT_CHARS)
        texts.append((node, "text"))
    elif kind == "TextRun" and isinstance(node.get("text"), str):  # RichTextBlock runs: no markdown
        node["text"] = shorten(node["text"], MAX_CARD_TEXT_CHARS)
        texts.append((node, "text"))
    elif isinstance(kind, str) and kind.startswith("Action.") and isinstance(node.get("title"), str):
        node["title"] = shorten(node["title"], _MAX_ACTION_TITLE_CHARS)
    if kind == "FactSet" and isinstance(node.get("facts"), list):
        for fact in node["facts"]:
            if isinstance(fact, dict):
                for key in ("title", "value"):
                    if isinstance(fact.get(key), str):
                        fact[key] = shorten(plain(fact[key]), MAX_CARD_FACT_CHARS)
                        texts.append((fact, key))
    if isinstance(node.get("fallbackText"), str):
        node["fallbackText"] = answer_text(node["fallbackText"])
    for value in node.values():
        if isinstance(value, list | dict):
            _walk(value, texts)


def _size(card: dict[str, Any]) -> int:
    return len(json.dumps(card, ensure_ascii=False, default=str).encode("utf-8"))  # as sent, with spaces


def _fit(card: dict[str, Any], texts: list[tuple[dict[str, Any], str]]) -> None:
    """Shorten the longest texts, then replace the last body items by "…", until the card fits."""
    for _ in range(64):
        excess = _size(card) - MAX_CARD_BYTES
        if excess <= 0 or not texts:
            return
        holder, key = max(texts, key=lambda item: len(item[0][item[1]]))
        length = len(holder[key])
        if length <= _MIN_SHORTENED:
            break
        holder[key] = shorten(holder[key], max(_MIN_SHORTENED, length - excess - 16))
    body = card.get("body")
    if isinstance(body, list):
        ellipsis = {"type": "TextBlock", "text": "…", "wrap": True}
        while len(body) > 1 and _size(card) > MAX_CARD_BYTES:
            if body[-1] is ellipsis:
                body.pop(-2)
            else:
                body[-1] = ellipsis
    if _size(card) > MAX_CARD_BYTES:  # one huge item that is not text (an action's data …)
        card["body"] = [{"type": "TextBlock", "text": "…", "wrap": True}]
        card.pop("actions", None)


__all__ = ["answer_text", "plain", "safe_card", "shorten"]
