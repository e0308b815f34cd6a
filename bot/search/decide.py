"""From scores to one of three honest answers (plus "I did not understand").

- **agreement** — "this is the agreement": only when the evidence is strong (a high score) and
  clear (no other agreement for another need close behind). Agreements that cover the same need
  with several suppliers are presented together (parallel).
- **candidates** — "probably one of these": a weaker or contested match; two or three candidates
  the employee can pick from (the pick is recorded: the bot learns the municipality's words).
- **none** — "no active agreement", only with positive evidence:
  * the need matches an expired or under-competition agreement (better than any active one);
  * the best match's own description excludes what is asked for;
  * the question is clearly about a field of purchase (taxonomy) that no active agreement of
    the register covers.
- **unknown** — nothing in the question was understood well enough to say either.

When the best inactive match has an active successor (same field of purchase, started when or
after it ended, or named in its description), the successor is the answer, marked as replacing it.

Thresholds are in `knowledge/search/ranking.yaml` (`answer:`), calibrated on question sets.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from bot.search.index import SearchIndex

AGREEMENT = "agreement"
CANDIDATES = "candidates"
NONE = "none"
UNKNOWN = "unknown"


@dataclass(frozen=True)
class Scored:
    doc_index: int
    score: float
    status: str  # active | expired | under_competition | not_started


def primary_field(index: SearchIndex, doc_index: int) -> int | None:
    """The agreement's strongest field of purchase (its position in the taxonomy)."""
    links = index.doc_links[doc_index] if index.doc_links else {}
    if not links:
        return None
    return max(links.items(), key=lambda kv: (kv[1], -kv[0]))[0]


def same_need(index: SearchIndex, a: int, b: int, *, strength: float = 0.8) -> bool:
    """Two agreements cover the same need: they share a strong field link (both ≥ strength),
    and each one's strongest field is among the other's strong links."""
    links_a = index.doc_links[a] if index.doc_links else {}
    links_b = index.doc_links[b] if index.doc_links else {}
    strong_a = {f for f, v in links_a.items() if v >= strength}
    strong_b = {f for f, v in links_b.items() if v >= strength}
    if not strong_a or not strong_b:
        return False
    pa, pb = primary_field(index, a), primary_field(index, b)
    return pa in strong_b and pb in strong_a


_WORDS = re.compile(r"[\w./-]+")


def mentions(docs: list, ids: dict[str, int]) -> list[list[int]]:
    """Per agreement: the other agreements its description names by id ("Erstattet av LK-2024-018")."""
    # a parallel agreement's rows ("SK-2022-007/1", "NSK-2023-004-A") are named by their base id
    bases: dict[str, list[int]] = {}
    for ident, position in ids.items():
        base = _SUFFIX.sub("", ident)
        if base != ident:
            bases.setdefault(base, []).append(position)
    found: list[list[int]] = []
    for position, doc in enumerate(docs):
        named: list[int] = []
        for word in _WORDS.findall(doc.description or ""):
            word = word.strip(".,;:()/")
            others = [ids[word]] if word in ids else sorted(bases.get(word, []))
            for other in others:
                if other != position and other not in named:
                    named.append(other)
        found.append(named)
    return found


_SUFFIX = re.compile(r"(?:/\d{1,2}|-[A-Za-z])$")


def successor(index: SearchIndex, old: int, active: set[int], candidates: list[int]) -> int | None:
    """The active agreement that replaced `old`: named in its description ("Erstattet av
    LK-2024-018"), or covering the same need and starting when or after `old` ended. Only
    `candidates` (the agreements the question found, best first) are considered for the second."""
    doc = index.docs[old]
    named = [i for i in (index.mentions[old] if index.mentions else []) if i in active]
    if len(named) == 1 or (named and len({index.docs[i].title for i in named}) == 1):
        return named[0]  # one agreement named (a parallel one's rows share its title: the first)
    ended = doc.end_date
    best: tuple[float, int] | None = None
    for candidate in named or candidates:
        if candidate == old or candidate not in active:
            continue
        other = index.docs[candidate]
        if ended is not None and other.start_date is not None and other.start_date < ended - dt.timedelta(days=366):
            continue  # running side by side for long: not a successor
        if not same_need(index, old, candidate):
            continue
        shared = min(index.doc_links[old].get(primary_field(index, old) or -1, 0.0),
                     index.doc_links[candidate].get(primary_field(index, old) or -1, 0.0))
        if best is None or shared > best[0]:
            best = (shared, candidate)
    return best[1] if best else None
