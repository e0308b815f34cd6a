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
from dataclasses import dataclass, replace
from typing import Any

from bot.search.index import SearchIndex
from bot.search.text import fold, split_compound, word_keys

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


def _newer(doc: Any, old: Any) -> bool:
    """`doc` started after `old` did."""
    return doc.start_date is not None and (old.start_date is None or doc.start_date > old.start_date)


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


def named_by(mentioned: list[list[int]]) -> list[list[int]]:
    """Per agreement: the agreements whose descriptions name it (an export that keeps the link on
    the newer agreement only: "Erstatter LK-2020-008", a "Replaces" column)."""
    found: list[list[int]] = [[] for _ in mentioned]
    for position, named in enumerate(mentioned):
        for other in named:
            found[other].append(position)
    return found


_SUFFIX = re.compile(r"(?:/\d{1,2}|-[A-Za-z])$")
_ROW_SUFFIX = re.compile(r"(?:/\d{1,2}|-[A-Za-z]|-\d)$")  # a parallel agreement's row: "/1", "-A", "-1"
REFERRAL_SHARE = 0.5  # an agreement is named by a referral when its title holds this share of the referral's words
PART_MATCH = 0.75  # a referral's compound found by its parts only ("barnehage|materiell": any "barnehage…")
GENERIC_TITLE_SHARE = 0.1  # … not counting words in this share of all titles ("avtale", "tjenester")


def referrals(index: SearchIndex) -> None:
    """Resolve where each exclusion sends the item instead ("Omfatter ikke frosne grønnsaker (se
    dagligvarer)", "Skanning av papirarkiv (BK-2024-031)") to the agreements it names: by id (a
    parallel agreement's base id names all its rows), else by the words of their titles and
    categories ("se dagligvarer": "Dagligvarer og tørrvarer"; "bruk drosjeavtalen":
    "Drosjetjenester"). A parenthesis that names no agreement ("NAV", "utføres av kommunen selv")
    refers nowhere."""
    if not any(e.referral for entries in index.exclusions for e in entries):
        return
    ids = index.positions
    rows: dict[str, list[int]] = {}
    for ident, position in ids.items():
        base = _ROW_SUFFIX.sub("", ident)
        rows.setdefault(base, []).append(position)
    analyzer = index.analyzer
    titles = [_title_keys(index, doc.title) for doc in index.docs]
    categories = [_title_keys(index, doc.category) for doc in index.docs]
    df: dict[str, int] = {}
    for keys in titles:
        for key in keys:
            df[key] = df.get(key, 0) + 1
    generic = {k for k, n in df.items() if n > max(2, GENERIC_TITLE_SHARE * len(titles))} | analyzer.weak_keys
    for position, entries in enumerate(index.exclusions):
        for number, exclusion in enumerate(entries):
            if not exclusion.referral:
                continue
            said = [word.strip(".,;:()") for word in _WORDS.findall(exclusion.referral)]
            named = [p for w in said for p in ([ids[w]] if w in ids else sorted(rows.get(w, [])))]
            if not named:
                named = _named_by_title(index, exclusion.referral, titles, categories, generic)
            refers = tuple(dict.fromkeys(p for p in named if p != position))
            if refers:
                entries[number] = replace(exclusion, refers=refers)


def _title_keys(index: SearchIndex, text: str) -> set[str]:
    """The keys of a title's words and of their compound parts."""
    keys: set[str] = set()
    for token in index.analyzer.tokens(text):
        keys |= word_keys(token.text)
        for part in token.parts or split_compound(fold(token.text), index.known) or ():
            keys |= word_keys(part)
    return keys


def _named_by_title(index: SearchIndex, referral: str, titles: list[set[str]], categories: list[set[str]],
                    generic: set[str]) -> list[int]:
    """The agreements whose title holds the referral's words (else whose category does): a word by
    itself, or a compound by all its specific parts ("drosjeavtalen": "drosje";
    "spesialisthelsetjenesten" needs "spesialist" and "helse", not one of them)."""
    analyzer = index.analyzer
    text = f" {referral.lower()} "
    sending = analyzer.language.exclusions.referral_words
    for word in sorted(sending, key=len, reverse=True):
        text = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", " ", text)
    words: list[tuple[frozenset[str], list[frozenset[str]]]] = []
    for token in analyzer.tokens(text):
        whole = word_keys(token.text)
        parts = [word_keys(p) for p in token.parts or split_compound(fold(token.text), index.known) or ()
                 if p.lower() not in sending]  # "drosje|avtalen": the agreement for "drosje"
        parts = [k for k in parts if k - generic]
        if whole - generic or parts:
            words.append((whole - generic, parts))
    if not words:
        return []

    def holds(keys: set[str], whole: frozenset[str], parts: list[frozenset[str]]) -> float:
        if whole & keys:
            return 1.0
        return PART_MATCH if parts and all(k & keys for k in parts) else 0.0

    for texts in (titles, categories):
        shares = [sum(holds(keys, whole, parts) for whole, parts in words) / len(words) for keys in texts]
        best = max(shares)
        if best >= REFERRAL_SHARE:
            return [position for position, share in enumerate(shares) if share == best]
    return []


def successor(index: SearchIndex, old: int, active: set[int], candidates: list[int]) -> int | None:
    """The active agreement that replaced `old`: named in its description ("Erstattet av
    LK-2024-018"), or naming `old` in its own and starting after it ("Erstatter LK-2020-008"), or
    covering the same need and starting when or after `old` ended. Only `candidates` (the
    agreements the question found, best first) are considered for the last."""
    doc = index.docs[old]
    named = [i for i in (index.mentions[old] if index.mentions else []) if i in active]
    if not named:  # … or the newer agreement names the one it replaces
        named = [i for i in (index.mentioned_by[old] if index.mentioned_by else []) if i in active
                 and _newer(index.docs[i], doc)]
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
