"""The kind of purchase and the requirement triggers, from the thing bought.

The shared taxonomy of what municipalities buy (`knowledge/taxonomy/`, `bot.taxonomy`) knows
each field's kind — a snow blower or e-bikes are goods, canteen operation services, re-roofing a
depot works, a support contact a health and social service — the other kinds a purchase in the
field can honestly be (`also`: a heat pump is goods, its installation works), and the flags that
trigger extra requirements (`ethical_trade`, `vehicle`, `cleaning_service`). This module asks the
taxonomy's classifier (`bot.taxonomy.classify(text) -> [FieldHit]`) which fields the question is
about and then:

- one kind: that kind;
- a field with `also` kinds: a verb in the question can pick one of them (installing, building,
  rehabilitating → works; maintaining, servicing, operating → services; buying, delivering →
  goods, only when nothing more specific is said); without such a verb the field's own kind;
  when verbs pick two different kinds, the question really allows two: `choices` holds them
  and the answer offers the two as buttons;
- the flags of the fields found become the matrix's cues (`taxonomy.flag_cues` in
  `knowledge/authority/language.yaml`).

Where the classifier is not installed, or finds nothing sure enough, the kind words of
`language.yaml` (`kinds`) are used as before (`bot.authority.parse.find_kind`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import bot.taxonomy
from bot.authority.knowledge import Language, TaxonomyUse
from bot.taxonomy import load_taxonomy

Classify = Callable[[str], Sequence[Any]]


@dataclass
class KindReading:
    kind: str | None = None
    choices: list[str] = field(default_factory=list)  # two kinds the question really allows: ask
    scores: dict[str, float] = field(default_factory=dict)
    words: list[str] = field(default_factory=list)  # what it was read from (field names or words)
    fields: list[str] = field(default_factory=list)  # taxonomy field ids
    cues: list[str] = field(default_factory=list)  # matrix cues from the fields' flags
    source: str = "words"  # taxonomy | taxonomy_weak | words


def classifier() -> Classify | None:
    """The taxonomy's classifier (`bot.taxonomy.classify`, looked up when called)."""
    return bot.taxonomy.classify


def taxonomy_gives_flags() -> bool:
    """True once the taxonomy marks requirement triggers (some field has a flag): from then on the
    cues it maps (`taxonomy.flag_cues`) come from the taxonomy alone, not from cue words."""
    return any(f.flags for f in load_taxonomy().fields)


def _verb_kinds(text: str, lang: Language) -> list[str]:
    """The kinds the verbs of the text say (`taxonomy.kind_verbs`); goods named by their use
    ("cleaning products") say none."""
    from bot.authority.intent import _found, _scrub, lemma_text

    if lang.taxonomy.goods_named_by_use or lang.taxonomy.idioms:
        text = _scrub(text, lang.taxonomy.goods_named_by_use + lang.taxonomy.idioms)
    lemmas = lemma_text(text)
    return [kind for kind, verbs in lang.taxonomy.kind_verbs.items() if _found(verbs, text, lemmas)]


def from_taxonomy(text: str, lang: Language, classify: Classify | None = None, *, question: str | None = None) -> KindReading | None:
    """The kind read through the taxonomy (see `_from_taxonomy`); goods bought also carry the flags
    their head word names ("uniformer til korpset": textiles, whatever field "korps" reads as)."""
    reading = _from_taxonomy(text, lang, classify, question=question)
    if reading is not None and reading.kind == "varer":
        reading.cues = sorted(set(reading.cues) | _thing_cues(text, lang))
    return reading


def _from_taxonomy(text: str, lang: Language, classify: Classify | None = None, *, question: str | None = None) -> KindReading | None:
    """The kind read through the taxonomy, or None when it finds no field sure enough.

    The best field decides: its `kind`, unless a verb in the question picks one of its `also`
    kinds; when verbs pick two different kinds, the question allows both (`choices`). The flags
    are those of the best field and of fields tied with it (within `close_share`):
    when the taxonomy cannot tell two readings apart, a requirement of either is kept, not missed."""
    classify = classify or classifier()
    if classify is None:
        return None
    settings = lang.taxonomy
    if settings.agreement_names or settings.incidental_installation:
        from bot.authority.intent import _scrub

        text = " ".join(_scrub(text, settings.agreement_names + settings.incidental_installation).split())
        question = (" ".join(_scrub(question, settings.agreement_names + settings.incidental_installation).split())
                    if question else question)
    found = list(classify(text))
    hits = [h for h in found if float(h.score) >= settings.min_score]
    source = "taxonomy"
    if not hits:
        hits = _weak_hits(found, settings)
        source = "taxonomy_weak"
    if not hits:  # no field: the verb or the thing's head word may still say the kind
        kind = _decisive_kind(question or text, lang)[0]
        cues: set[str] = set()
        if kind is None:
            kind = _thing_kind(text, question or text, lang, settings.thing_heads)
            cues = _thing_cues(text, lang) if kind else set()
        if kind is None:  # a specific verb of one kind ("for running the bike-sharing scheme")
            from bot.authority.intent import lemma_text

            spoken = question or text
            verbs = [k for k in _verb_kinds(spoken, lang) if k not in settings.generic_verb_kinds]
            kind = verbs[0] if len(verbs) == 1 else None
        return KindReading(kind=kind, scores={kind: 1.0}, words=[kind], source="thing", cues=sorted(cues)) if kind else None
    best = hits[0]
    close = [best] + [h for h in hits[1:] if float(h.score) >= float(best.score) * settings.close_share]
    reading = KindReading(source=source, fields=[h.field.id for h in close],
                          words=[h.field.name.nb for h in close],
                          scores={h.field.id: round(float(h.score), 3) for h in close})
    flags = {flag for h in close for flag in h.field.flags}  # any equally good reading: no requirement missed
    reading.cues = sorted({settings.flag_cues[f] for f in flags if f in settings.flag_cues})
    tied_kinds = {h.field.kind for h in close}
    if len(tied_kinds) > 1 and not best.field.also:  # fields of different kinds fit equally well: the kind words decide
        from bot.authority.parse import find_kind

        worded, _scores, _words = find_kind(text, lang)
        if worded in tied_kinds:
            best = next(h for h in close if h.field.kind == worded)
    candidates = [best.field.kind, *(k for k in best.field.also if k != best.field.kind)]
    from bot.authority.intent import lemma_text

    # the verbs as the question says them (the subject has lost words around them: "med montering")
    said = _verb_kinds(text, lang) if not question else []
    # a specific verb anywhere in the question keeps the thing's head word from deciding ("treng
    # service og nye dekk": the subject lost "service", a filler word there)
    asked = said + [k for k in (_verb_kinds(question, lang) if question else []) if k not in said]
    verb_kinds = [k for k in asked if k not in settings.generic_verb_kinds]
    study = False
    if best.field.kind == "bygg_og_anlegg" and "tjenester" not in candidates and settings.study_verbs:
        from bot.authority.intent import _found

        said_study = question or text
        study = bool(_found(settings.study_verbs, said_study, lemma_text(said_study)))
    if best.field.kind == "varer" and verb_kinds and not set(verb_kinds) & set(candidates) and not study:
        # only a verb said around the goods is done to them ("we're hiring new staff and need
        # smartphones": the hiring is not done to the phones; "a tractor for park maintenance")
        around = _verb_kinds(_without_purpose(_around(question or text, best, classify, lang), lang), lang)
        verb_kinds = [k for k in verb_kinds if k in around]
    if (best.field.kind == "varer" and verb_kinds and not set(verb_kinds) & set(candidates)) or study:
        # the goods named are the object of a verb of another kind ("lastebilen treng service og nye
        # dekk": the truck is serviced, not bought), or the works of a study ("kartlegging av universell
        # utforming": the buildings are surveyed, not built): a near field that allows that kind is
        # the purchase
        verb_kinds = ["tjenester"] if study else verb_kinds
        near = next((h for h in hits[1:] if float(h.score) >= float(best.score) * settings.verb_share
                     and {h.field.kind, *h.field.also} & set(verb_kinds)), None)
        if near is not None:
            best = near
            candidates = [best.field.kind, *(k for k in best.field.also if k != best.field.kind)]
            reading.fields = [best.field.id, *(f for f in reading.fields if f != best.field.id)]
        elif not study and set(verb_kinds) == {"tjenester"}:
            # no near field, but what is done to the goods is a service ("kalibrering av
            # måleinstrumenter", "service the chlorine dosing system"): the service is bought
            candidates = ["tjenester"]
    picked = [k for k in asked if k in candidates and k not in settings.generic_verb_kinds]
    bought = best.field.kind in asked and best.field.kind in settings.generic_verb_kinds
    if len(close) > 1 and not picked and not bought:
        # equally good readings ("lastebil med kran": lifts or vehicles) and no verb to choose
        # between them: a kind all of them allow (unless the best is goods and the question buys
        # them: "kjøpe et nytt piano" is no piano removal)
        shared = [k for k in candidates if all(k == h.field.kind or k in h.field.also for h in close)]
        if len(shared) == 1:
            candidates = shared
    decisive, word = _decisive_kind(question or text, lang)
    sure_service = best.field.kind == "tjenester" and float(best.score) >= settings.sure_service
    # … read from a word of its own ("arkitekt til nytt bygg"), not from a name the field merely
    # resembles ("New school at Skårer": the place is no school transport)
    own_words = [w for w in getattr(best, "matched", ()) if w != word and _names_field(w, best.field.id, classify, settings)]
    if decisive is not None and not (sure_service and own_words):
        reading.kind = decisive  # "bygge nytt sykehjem": works, though the field is care
        return reading
    if not any(k not in settings.generic_verb_kinds for k in asked):  # no verb says what is bought
        thing = _thing_kind(text, question or text, lang, settings.thing_heads)
        if thing is None:
            thing = _thing_kind(text, question or text, lang, settings.installation_heads)
            thing = thing if thing in candidates else None
        if thing is not None:
            # "ny feiebil": a vehicle, bought — goods, though the field is a service
            reading.kind = thing
            reading.cues = sorted(set(reading.cues) | _thing_cues(text, lang))
            return reading
    if len(candidates) == 1:
        reading.kind = candidates[0]
        return reading
    # the verbs said anywhere in the question: the subject has lost some as filler words there
    # ("kontroll og service på takheisene", "kjøpe nye scenepodier")
    verbs = [k for k in asked if k in candidates]
    specific = [k for k in verbs if k not in settings.generic_verb_kinds]
    chosen = specific or verbs
    if len(chosen) >= 2:  # "installere og vedlikeholde": the question allows both
        reading.choices = sorted(chosen, key=lambda k: (k != best.field.kind, candidates.index(k)))[:2]
    else:  # a verb picks one of the field's kinds; without one, the field's own kind
        reading.kind = chosen[0] if chosen else best.field.kind
    return reading


_TOKEN = re.compile(r"[\w-]+")


def _decisive_kind(question: str, lang: Language) -> tuple[str | None, str | None]:
    """The kind a verb says whatever the thing (`taxonomy.decisive_verbs`), or a new thing
    (`taxonomy.new_heads`: a new-word right before it, within three words), if only one kind is
    said; with the word that said it."""
    from bot.authority.intent import _found, lemma_text

    settings = lang.taxonomy
    # works named as what a service is for ("arkitekt for ombyggingen", "prosjektering av ei mindre
    # ombygging") say nothing of what is bought
    question = _without_served_works(question, settings.decisive_verbs.get("bygg_og_anlegg", []))
    lemmas = lemma_text(question)
    found = {k: w for k, patterns in settings.decisive_verbs.items() if (w := _found(patterns, question, lemmas))}
    if not found and settings.new_heads:
        tokens = _TOKEN.findall(question)
        stops = set(lang.linking_words) | set(lang.recipient_words)
        places = set(settings.place_words)
        new = {w.lstrip("=^$") for w in settings.new_words}
        needs = {w.lstrip("=^$") for w in lang.need_words}
        articles = set(settings.articles)
        for i, token in enumerate(tokens):
            if token not in new or any(t in places for t in tokens[max(0, i - 2):i]):
                continue  # "til den nye barnehagen": where the thing goes, not what is bought
            if (i >= 2 and tokens[i - 2] in stops and tokens[i - 1] in articles
                    and not (i >= 3 and tokens[i - 3] in settings.contract_words)):
                # "for the new assisted-living building": whom it is for ("contract for the new X" is X)
                continue
            if any(t in needs for t in tokens[i + 2:]):
                continue  # "den nye barnehagen treng gardiner": the new building is who needs
            for j in range(i + 1, min(i + 4, len(tokens))):
                after = tokens[j]
                if after in stops and after not in settings.and_words:
                    break
                # a head of one word or two ("new nursing home"), where the noun phrase ends ("new
                # school bags" are bags, "new nursing home beds" beds)
                for width in (1, 2):
                    said = " ".join(tokens[j:j + width])
                    kinds = [k for k, patterns in settings.new_heads.items()
                             if (_found(patterns, said, said) if width == 1 else said in {p.lstrip("=^$") for p in patterns})]
                    if kinds and _phrase_ends(tokens, j + width, stops, settings, question, said):
                        found.setdefault(kinds[0], said)
                        break
    if len(found) != 1:
        return None, None
    kind, word = next(iter(found.items()))
    return kind, word.lstrip("=^$")


def _names_field(word: str, field_id: str, classify: Classify, settings: TaxonomyUse) -> bool:
    """The word alone is read as this field, surely."""
    hits = list(classify(word))
    return bool(hits) and hits[0].field.id == field_id and float(hits[0].score) >= settings.min_score


def _phrase_ends(tokens: list[str], end: int, stops: set[str], settings: TaxonomyUse, question: str, said: str) -> bool:
    """The noun phrase ends before `end`: nothing follows, or a punctuation mark, a linking word, a
    number, or a word that closes a thing's name (`new_head_ends`: "worth", "kalkyle", "ble" …)."""
    if end >= len(tokens):
        return True
    if re.search(rf"(?<![\w-]){re.escape(said)}\s*[,.;:!?()\[\]–—]", question):
        return True
    after = tokens[end]
    return (after in stops or after in settings.and_words or after in settings.new_head_ends
            or any(c.isdigit() for c in after))


# works the service is for ("arkitekt for ombyggingen", "for å bygge om", "to rebuild") or that it
# designs ("prosjektere ombyggingen", "design the extension")
_SERVED = re.compile(r"(?:^|[\s,])(?:for|til|av|of|ved|etter|with|prosjektere|prosjektera|planlegge|planleggje|tegne|teikne|"
                     r"design|designing)\s+(?:(?:den|det|ei|en|et|eit|the|a|an|å|to|mindre|større|"
                     r"small|minor|major|planned|planlagt|planlagde)\s+){0,2}$")


def _without_served_works(question: str, patterns: list[str]) -> str:
    from bot.authority.knowledge import compile_pattern

    for pattern in patterns:
        compiled = compile_pattern(pattern)
        for match in reversed(list(compiled.finditer(question))):
            if _SERVED.search(question[:match.start()]):
                question = question[:match.start()] + " " + question[match.end():]
    return question


def _thing_kind(text: str, question: str, lang: Language, heads: dict[str, list[str]]) -> str | None:
    """The kind of the thing itself, when it is acquired ("ny", "kjøpe", "buy") and named by a
    head word of one kind only (`taxonomy.thing_heads`: "-bil", "-maskin" are goods)."""
    from bot.authority.intent import _found, lemma_text

    settings = lang.taxonomy
    if not heads:
        return None
    lemmas = lemma_text(question)
    generic = [verb for k in settings.generic_verb_kinds for verb in settings.kind_verbs.get(k, [])]
    if not (_found(settings.new_words, question, lemmas) or _found(generic, question, lemmas)):
        return None
    thing = _without_recipients(text, lang)  # "ny pc til skolen": the school is who it is for
    kinds = [k for k, patterns in heads.items() if _found(patterns, thing, lemma_text(thing))]
    return kinds[0] if len(kinds) == 1 else None


def _thing_cues(text: str, lang: Language) -> set[str]:
    """The matrix cues of the flags the thing's head word carries (`taxonomy.thing_flags`)."""
    from bot.authority.intent import _found, lemma_text

    settings = lang.taxonomy
    thing = _without_recipients(text, lang)
    lemmas = lemma_text(thing)
    return {settings.flag_cues[flag] for flag, patterns in settings.thing_flags.items()
            if flag in settings.flag_cues and _found(patterns, thing, lemmas)}


def _around(text: str, hit: Any, classify: Classify, lang: Language) -> str:
    """The text from the last word of needing before the word that names the goods best ("we're
    hiring new staff and need smartphones for them": the hiring is not done to the phones); the
    whole text when there is none."""
    from bot.authority.parse import normalise

    tokens = text.split()
    words = [normalise(token.strip(".,;:!?()«»\"'")) for token in tokens]
    best: tuple[float, int] | None = None
    for matched in {normalise(w) for w in getattr(hit, "matched", ()) or ()}:
        if not matched or _verb_kinds(matched, lang):
            continue  # a verb is what is done, not the thing
        position = next((i for i, word in enumerate(words) if word == matched), None)
        if position is None:
            continue
        strength = max((float(h.score) for h in classify(matched) if h.field.id == hit.field.id), default=0.0)
        if best is None or strength > best[0]:
            best = (strength, position)
    if best is None:
        return text
    needs = {w.lstrip("=^$") for w in lang.need_words}
    start = max((i + 1 for i in range(best[1]) if words[i] in needs), default=0)
    return " ".join(tokens[start:])


def _without_purpose(text: str, lang: Language) -> str:
    """The text without its purpose phrases, a linking word and the two words after it ("buy a new
    tractor for park maintenance": the maintenance is what the tractor is for, not what is bought)."""
    words = "|".join(re.escape(w) for w in sorted(lang.purpose_words, key=len, reverse=True))
    return re.sub(rf"(?<![\w-])(?:{words})(?:\s+[\w-]+){{1,2}}", " ", text, flags=re.IGNORECASE) if words else text


def _without_recipients(text: str, lang: Language) -> str:
    """The text without the words that name whom or where a thing is for ("til barnehagen",
    "for the school"): the word after a linking word, and an article between them."""
    from bot.authority.intent import _scrub

    text = _scrub(text, lang.taxonomy.not_heads)  # "mobile scenepodier": "mobil" is no "bil"
    linking = "|".join(re.escape(w) for w in sorted(set(lang.linking_words) | set(lang.recipient_words), key=len, reverse=True))
    if not linking:
        return text
    articles = "|".join(re.escape(w) for w in sorted(lang.taxonomy.articles, key=len, reverse=True)) or r"(?!x)x"
    return re.sub(rf"(?<![\w-])(?:{linking})\s+(?:(?:{articles})\s+)?[\w-]+", " ", text)


def _weak_hits(found: Sequence[Any], settings: TaxonomyUse) -> list[Any]:
    """No field is sure, but the kind may be: the best hit from `weak_min_score` when every hit
    within `weak_share` of it is of the same kind (several near fields agreeing on goods, say)."""
    if settings.weak_min_score is None or not found or float(found[0].score) < settings.weak_min_score:
        return []
    best = found[0]
    near = [h for h in found if float(h.score) >= float(best.score) * settings.weak_share]
    if len({h.field.kind for h in near}) != 1:
        return []
    return [best]


def tail_kind(text: str, lang: Language) -> str | None:
    """A reply to "which kind?" (or a card choice appended): the text ends with a kind id or name."""
    tokens = text.strip(" ?.!").split()
    for n in (3, 1):
        tail = "_".join(tokens[-n:]).replace("-", "_") if len(tokens) >= n else ""
        tail = re.sub(r"[^\wæøå_]", "", tail)
        if tail in lang.kinds:
            return tail
    return None
