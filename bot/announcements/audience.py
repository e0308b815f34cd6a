"""Who an announcement goes to: parse an audience spec and resolve it to recipients.

Specs (CLI, YAML file and the Teams form all use them):

    all                          everyone who has the bot (installed personal chats)
    emails:a@x.no,b@x.no         these people; e-mails without a conversation are "not reachable"
    team:<teamId>                members of a team: the users the bot has met in that team
    channel:<conversationId>     one post in a channel the bot is installed in
    category:<faggruppe>         users who asked the bot about that category (category_interest)

Team members: the bot stores a conversation reference for every user who talks to it, with the
team id when it happened in a team. A team audience is every user with a reference in that team,
each reached in their personal chat. We chose this over fetching the team roster (Bot Framework
`GET /v3/conversations/{teamId}/members`) because it needs no extra HTTP call or permission at
send time and every recipient is someone the bot can already message proactively; its limit is
that members who never met the bot in that team are not included (they are not reachable
proactively before the app is installed for them anyway).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.announcements.models import CategoryInterest
from bot.problems import Refusal

KINDS = ("all", "emails", "team", "channel", "category")
_EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")


class AudienceError(Refusal):
    """The audience spec cannot be read (`.key` / `.values`, see bot/problems.py)."""


@dataclass(frozen=True)
class Audience:
    kind: str
    values: tuple[str, ...] = ()

    @property
    def spec(self) -> str:
        return self.kind if self.kind == "all" else f"{self.kind}:{','.join(self.values)}"


def parse_audience(spec: str) -> Audience:
    """`all`, `emails:a@x,b@y`, `team:<id>`, `channel:<id>` or `category:<name>`; errors in plain words."""
    spec = (spec or "").strip()
    if not spec:
        raise AudienceError("audience_empty")
    kind, _, rest = spec.partition(":")
    kind = kind.strip().lower()
    if kind == "all":
        if rest.strip():
            raise AudienceError("audience_all_value")
        return Audience("all")
    if kind not in KINDS:
        raise AudienceError("audience_unknown", kind=kind)
    if kind == "emails":
        values = [v.strip().lower() for v in re.split(r"[,;\s]+", rest) if v.strip()]
        bad = [v for v in values if not _EMAIL.match(v)]
        if bad:
            raise AudienceError("audience_bad_email", emails=", ".join(bad))
    else:
        values = [rest.strip()] if rest.strip() else []
    if not values:
        raise AudienceError("audience_needs_value", kind=kind, example=f"{kind}:{'a@x.no,b@x.no' if kind == 'emails' else '…'}")
    return Audience(kind, tuple(dict.fromkeys(values)))


@dataclass
class Recipient:
    key: str  # unique within the announcement: aad id, e-mail or conversation id
    aad_object_id: str = ""
    email: str = ""
    name: str = ""
    conversation_ref_id: int | None = None
    reachable: bool = True
    reason: str = ""


# why a recipient cannot be reached: stored (and in --json) in English; said to people as the
# `courses` catalog's `unreachable.<key>` in their language (reason_text)
UNREACHABLE = {
    "no_chat": "no conversation with the bot (not installed for this person)",
    "team_no_chat": "member of the team without a personal chat with the bot",
    "channel_not_installed": "the bot is not installed in this channel (no stored conversation)",
    "category_no_chat": "asked about the category but has no personal chat with the bot",
}
_UNREACHABLE_KEYS = {text: key for key, text in UNREACHABLE.items()}


def _reason_keys() -> dict[str, str]:
    from bot.outbox.store import NO_CONVERSATION  # the outbox's error for a row it cannot send (the report shows it first)

    return {**_UNREACHABLE_KEYS, NO_CONVERSATION: "no_reference"}


def reason_text(reason: str, lang: str) -> str:
    """A recipient's stored reason in `lang`; any other detail (a delivery error) as it is."""
    from agreements_sync.i18n import strings

    key = _reason_keys().get(reason)
    return strings("courses").get(f"unreachable.{key}", lang) if key else reason


def _ref_recipient(ref: Any) -> Recipient:
    key = ref.aad_object_id or ref.email or ref.conversation_id
    return Recipient(key=key, aad_object_id=ref.aad_object_id, email=ref.email, name=ref.name, conversation_ref_id=ref.id)


def _unreachable(key: str, reason: str, *, email: str = "", aad_object_id: str = "") -> Recipient:
    return Recipient(key=key, reachable=False, reason=reason, email=email, aad_object_id=aad_object_id)


def _by_aad_ids(session: Session, aad_ids: list[str], why_missing: str) -> list[Recipient]:
    from bot.conversation.store import personal_refs

    newest: dict[str, Any] = {}
    for ref in personal_refs(session):  # oldest first: the newest reference wins
        if ref.aad_object_id:
            newest[ref.aad_object_id] = ref
    return [_ref_recipient(newest[a]) if a in newest else _unreachable(a, why_missing, aad_object_id=a) for a in aad_ids]


def resolve(session: Session, audience: Audience) -> list[Recipient]:
    """Everyone the audience names, reachable or not (those not reachable say why)."""
    from bot.conversation.models import ConversationRef
    from bot.conversation.store import find_by_email, personal_refs

    recipients: list[Recipient]
    if audience.kind == "all":
        newest: dict[str, Any] = {}
        ref: ConversationRef | None
        for ref in personal_refs(session):
            newest[ref.aad_object_id or ref.email or ref.conversation_id] = ref
        recipients = [_ref_recipient(ref) for ref in newest.values()]
    elif audience.kind == "emails":
        recipients = []
        for email in audience.values:
            ref = find_by_email(session, email)
            recipients.append(
                _ref_recipient(ref) if ref is not None
                else _unreachable(email, UNREACHABLE["no_chat"], email=email)
            )
    elif audience.kind == "team":
        aad_ids = session.exec(
            select(ConversationRef.aad_object_id)
            .where(ConversationRef.team_id == audience.values[0], ConversationRef.aad_object_id != "")
            .distinct()
        ).all()
        recipients = _by_aad_ids(session, sorted(aad_ids), UNREACHABLE["team_no_chat"])
    elif audience.kind == "channel":
        ref = session.exec(
            select(ConversationRef)
            .where(ConversationRef.conversation_id == audience.values[0], ConversationRef.installed == True)  # noqa: E712
            .order_by(col(ConversationRef.updated_at).desc())
        ).first()
        if ref is None:
            recipients = [_unreachable(audience.values[0], UNREACHABLE["channel_not_installed"])]
        else:
            recipients = [Recipient(key=ref.conversation_id, name=ref.name or "channel", conversation_ref_id=ref.id)]
    else:  # category
        aad_ids = session.exec(
            select(CategoryInterest.aad_object_id)
            .where(func.lower(CategoryInterest.category) == audience.values[0].lower())
            .distinct()
        ).all()
        recipients = _by_aad_ids(session, sorted(aad_ids), UNREACHABLE["category_no_chat"])
    unique: dict[str, Recipient] = {}
    for recipient in recipients:
        unique.setdefault(recipient.key, recipient)
    return list(unique.values())


def record_category_interest(session: Session, user: Any, category: str, now: dt.datetime | None = None) -> None:
    """Remember that this user asked about `category` (an announcement audience).

    The Teams layer calls it when a question is answered with agreements of a category
    (`user` is a `bot.services.User`; users without an Entra object id are not recorded)."""
    from bot.db import utcnow

    aad_id = getattr(user, "aad_object_id", "") or ""
    category = (category or "").strip()
    if not aad_id or not category:
        return
    now = now or utcnow()
    query = select(CategoryInterest).where(CategoryInterest.aad_object_id == aad_id, CategoryInterest.category == category)
    row = session.exec(query).first()
    if row is None:
        try:
            with session.begin_nested():  # two questions at once: the second insert loses and updates
                session.add(CategoryInterest(aad_object_id=aad_id, category=category, last_asked_at=now))
            return
        except IntegrityError:
            row = session.exec(query).one()
    row.times_asked += 1
    row.last_asked_at = now
    session.add(row)
    session.flush()
