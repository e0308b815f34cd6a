"""Who is responsible: the authority matrix as data, question understanding and the answer.

`analyse(question, as_of, *, find_agreements=None, previous=None) -> AuthorityResult` is the
entry point; `bot.authority.matrix` holds the matrix helpers (band_for, lead_time, …).
"""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:  # lazy, so `bot.authority.matrix` imports stay light
    if name in {"analyse", "AuthorityResult"}:
        from bot.authority import analysis

        return getattr(analysis, name)
    raise AttributeError(name)
