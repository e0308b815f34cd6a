"""What an agreement's status is on a given date, whatever the export said when it was saved.

Rules (in this order):
1. the current end date has passed (end_date < as_of) -> expired, whatever the export says;
2. the export says "under competition" -> under competition (a new procurement is running);
3. the export says expired -> expired (ended early, terminated) — except when a question is about
   a past date (`looking_back(today)`): an agreement whose period held that date and was over by
   `today` was in force then ("a purchase we made in June 2023");
4. the start date is in the future -> not started;
5. otherwise -> active.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from agreements_sync.models import AgreementStatus

_looking_back_from: ContextVar[dt.date | None] = ContextVar("looking_back_from", default=None)


@contextmanager
def looking_back(today: dt.date) -> Iterator[None]:
    """Within this block, a status asked for a date before `today` reads the register as it stood
    then: an agreement marked expired whose period held that date (and ended before `today`) was
    in force. Inside another such block the later `today` holds: the register was exported then
    (a question about January 2024 asked as of 15 January 2024 reads a register of November 2026)."""
    outer = _looking_back_from.get()
    token = _looking_back_from.set(max(today, outer) if outer is not None else today)
    try:
        yield
    finally:
        _looking_back_from.reset(token)


def looking_back_from() -> dt.date | None:
    """The `today` of the enclosing `looking_back` block, if any."""
    return _looking_back_from.get()


def _get(agreement_like: Any, name: str) -> Any:
    if isinstance(agreement_like, Mapping):
        return agreement_like.get(name)
    return getattr(agreement_like, name, None)


def _as_date(value: Any) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def status_as_of(agreement_like: Any, as_of: dt.date) -> AgreementStatus:
    """The status on `as_of` of anything with status, start_date and end_date (object or dict)."""
    exported = str(_get(agreement_like, "status") or AgreementStatus.ACTIVE.value)
    start = _as_date(_get(agreement_like, "start_date"))
    end = _as_date(_get(agreement_like, "end_date"))
    if end is not None and end < as_of:
        return AgreementStatus.EXPIRED
    if exported == AgreementStatus.UNDER_COMPETITION.value:
        return AgreementStatus.UNDER_COMPETITION
    if exported == AgreementStatus.EXPIRED.value:
        today = _looking_back_from.get()
        if today is not None and start is not None and end is not None and start <= as_of <= end < today:
            return AgreementStatus.ACTIVE  # in force on that past date
        return AgreementStatus.EXPIRED
    if start is not None and start > as_of:
        return AgreementStatus.NOT_STARTED
    if start is None and exported == AgreementStatus.NOT_STARTED.value:
        return AgreementStatus.NOT_STARTED  # planned, no start date yet: not in force
    return AgreementStatus.ACTIVE


def is_active(agreement_like: Any, as_of: dt.date) -> bool:
    return status_as_of(agreement_like, as_of) is AgreementStatus.ACTIVE
