"""`analyse(question, as_of, *, find_agreements=None, previous=None) -> AuthorityResult`.

Reads the question (`parse`), checks rule 0 through the injected `find_agreements` (an active
framework agreement must be used whatever the amount; the call-off approval rule and, where the
agreement says so, a mini-competition apply instead of a procedure), else applies the value
bands and the cross-cutting requirements of the matrix. When the value or the kind is needed
and cannot be read, `missing` says so and the answer asks instead of guessing; `previous` (the
earlier result, its JSON, or the earlier question) lets a short follow-up complete it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from agreements_sync.status import looking_back
from bot.authority import dates
from bot.authority import matrix as mx
from bot.authority.amounts import phrases
from bot.authority.knowledge import Matrix
from bot.authority.parse import Facts, compile_pattern, excl_vat, find_quantity, followup_count, language, normalise, parse

FindAgreements = Callable[[str, dt.date], Any]


@dataclass
class AgreementRef:
    agreement_id: str
    title: str = ""
    description: str = ""
    status: str = "active"
    mini_competition: bool = False  # the agreement says call-offs are by mini-competition
    mini_from: float | None = None  # … for call-offs over this amount ("Oppdrag over 1 MNOK tildeles etter minikonkurranse")
    ceiling: float | None = None  # the register's estimated value per year × the years it can run
    kind: str = ""  # the kind of purchase the agreement is for (the search's reading of its field)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.agreement_id, "title": self.title, "status": self.status,
                "mini_competition": self.mini_competition}


@dataclass
class Step:
    key: str  # a text key "step.<key>" in the authority message catalog
    values: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"step": self.key, **self.values}


@dataclass
class AuthorityResult:
    question: str
    as_of: dt.date
    value_nok_excl_vat: int | None = None
    kind: str | None = None
    band: str | None = None
    framework_agreement: list[str] = field(default_factory=list)
    approver: str | None = None
    performed_by: str | None = None
    signer: str | None = None
    requirements: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    # extras
    value_bound: str | None = None  # below | at_most | above | at_least: the value is a limit
    rule: str = "band"  # band | framework | incomplete | silent
    ask: str | None = None  # what to ask first: value | kind | period
    agreements: list[AgreementRef] = field(default_factory=list)
    inactive_agreements: list[AgreementRef] = field(default_factory=list)
    # active agreements the search offered as candidates only, not sure enough for rule 0: the
    # answer names them so the employee checks them before buying outside an agreement
    possible_agreements: list[AgreementRef] = field(default_factory=list)
    thresholds_used: list[mx.ThresholdInForce] = field(default_factory=list)
    lead_time: mx.LeadTime | None = None
    period_months: int | None = None
    kind_candidates: list[str] = field(default_factory=list)
    silent: list[str] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    search: str = "unavailable"  # used | unavailable | skipped
    facts: Facts = field(default_factory=Facts)
    # With rule 0: the procedure that applies if the agreement the search found does not in fact
    # cover the need (the search matches words; the employee knows the need).
    otherwise: AuthorityResult | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            # "under 100 000" is a limit, not the purchase's value: the value stays unknown, the
            # limit decides the band
            "value_nok_excl_vat": None if self.value_bound else self.value_nok_excl_vat,
            "value_limit": self.value_nok_excl_vat if self.value_bound else None,
            "kind": self.kind,
            "band": self.band,
            "framework_agreement": list(self.framework_agreement),
            "approver": self.approver,
            "performed_by": self.performed_by,
            "signer": self.signer,
            "requirements": list(self.requirements),
            "missing": list(self.missing),
            "value_bound": self.value_bound,
            "question": self.question,
            "as_of": self.as_of.isoformat(),
            "rule": self.rule,
            "ask": self.ask,
            "period_months": self.period_months,
            "lead_time": (
                {"competition_months": self.lead_time.competition_months,
                 "start_months_before_expiry": self.lead_time.start_months_before_expiry}
                if self.lead_time else None
            ),
            "thresholds_used": [t.to_json() for t in self.thresholds_used],
            "agreements": [a.to_json() for a in self.agreements],
            "inactive_agreements": [a.to_json() for a in self.inactive_agreements],
            "possible_agreements": [a.to_json() for a in self.possible_agreements],
            "kind_candidates": list(self.kind_candidates),
            "silent": list(self.silent),
            "search": self.search,
            "otherwise": (
                {key: self.otherwise.to_json()[key] for key in
                 ("band", "performed_by", "signer", "requirements", "missing")}
                if self.otherwise else None
            ),
            "steps": [s.to_json() for s in self.steps],
            "facts": self.facts.to_json(),
        }


# ---- follow-ups ------------------------------------------------------------------------------


def _previous_facts(previous: Any) -> tuple[Facts | None, bool]:
    """The facts of the earlier turn and whether it was incomplete."""
    if previous is None or previous == "" or previous == {}:
        return None, False
    if isinstance(previous, AuthorityResult):
        return previous.facts, bool(previous.missing)
    if isinstance(previous, dict):
        facts = Facts.from_json(previous["facts"]) if isinstance(previous.get("facts"), dict) else None
        if facts is None and previous.get("question"):
            facts = parse(str(previous["question"]))
        return facts, bool(previous.get("missing", True))
    if isinstance(previous, str):
        return parse(previous), True
    return None, False


SHORT_FOLLOWUP_WORDS = 6


def merge(prev: Facts | None, prev_incomplete: bool, new: Facts) -> Facts:
    """The new message's facts completed from the earlier turn (a follow-up), or the new ones."""
    if prev is None:
        return new
    # a kind read only weakly (near fields agreeing, none sure) does not make a new question of a
    # follow-up such as "Budget is NOK 400k", nor replace the kind the earlier turn had
    sure_kind = new.kind is not None and new.kind_source != "taxonomy_weak"
    lang = language()
    said = normalise(new.question).lstrip(" -–—")
    opens = bool(lang.followup_openers) and bool(phrases(lang.followup_openers).match(said))
    # after a thing was named, a message buys something else only when it says so ("vi skal også
    # kjøpe …", "og hvis det i stedet er …"); otherwise its words tell more about the same purchase
    # and are no thing of their own ("Estimatet er 1,2 MNOK", "Byrået tar 650 kr timen")
    instead = bool(new.subject.strip()) and bool(lang.instead_words) and bool(phrases(lang.instead_words).search(said))
    own_need = bool(new.subject.strip()) and not opens and _says(
        [f"={w}" for w in lang.need_words] + lang.purchase_words, said)
    tells_more = bool(prev.subject) and not (instead or own_need)
    if new.amount_nok is not None and sure_kind and not tells_more:
        return new  # a complete new question
    # a message that names no thing of its own ("Og om det blir 130 000 inkl. mva i stedet?")
    # continues the earlier one
    nothing_named = not new.subject.strip() and new.kind is None
    if not (tells_more or instead or prev_incomplete or new.words <= SHORT_FOLLOWUP_WORDS
            or (opens and (new.amount_nok is None or nothing_named))):
        return new
    merged = replace(prev, kind_scores=dict(prev.kind_scores), kind_words=list(prev.kind_words),
                     cues=list(prev.cues), silent=list(prev.silent), followups=[*prev.followups, new.question])
    if new.amount_nok is not None:  # the new amount with what it is counted in ("30 stoler à 5 200")
        merged.amount_nok, merged.amount_text, merged.per, merged.vat = new.amount_nok, new.amount_text, new.per, new.vat
        merged.bound, merged.amount_low, merged.quantity = new.bound, new.amount_low, new.quantity
        merged.times_per_year, merged.hours, merged.duration = new.times_per_year, new.hours, new.duration
        if new.quantity is None and new.per in ("total", None) and phrases(lang.unit_price_words).search(said):
            # "De koster 4 200 kr stykket" after "kjøp av 30 nye kontorstoler": the earlier count
            merged.quantity = prev.quantity or find_quantity(normalise(prev.question), "", [], lang,
                                                             norwegian=prev.language != "en")
    elif new.hours is not None:  # "what if it is 500 hours?": the earlier rate for these hours
        merged.hours = new.hours
    elif prev.amount_nok is not None and not prev.quantity and prev.per in ("total", None):
        # "hva om vi kjøper fire?": that many of the thing at the earlier price
        count = followup_count(normalise(new.question), lang, norwegian=new.language != "en")
        if count:
            merged.quantity = count
    if new.amount_nok is None and new.vat is not None:  # "the amount included VAT": the earlier amount's
        merged.vat = new.vat
    if new.period_months is not None and new.period_is_option and prev.period_months is not None:
        # "what if we add a 2-year option?": the option comes on top of the earlier period
        merged.period_months = prev.period_months + new.period_months
        merged.option_months = prev.option_months + new.period_months
        merged.period_text = f"{prev.period_text} + {new.period_text}"
    elif new.period_months is not None:
        merged.period_months, merged.base_months = new.period_months, new.base_months
        merged.option_months, merged.period_text = new.option_months, new.period_text
    elif prev.option_months and prev.base_months and lang.drop_option_words and phrases(lang.drop_option_words).search(said):
        # "hvis vi dropper opsjonen?": the base period alone
        merged.period_months, merged.option_months = prev.base_months, 0
        merged.period_text = prev.period_text.split(" + ")[0]
    if new.kind is not None and (instead or (sure_kind and not tells_more) or prev.kind is None):
        merged.kind, merged.kind_scores, merged.kind_words = new.kind, new.kind_scores, new.kind_words
        merged.kind_choices = []
    merged.cues = sorted(set(merged.cues) | set(new.cues))
    merged.silent = sorted(set(merged.silent) | set(new.silent))
    merged.framework = prev.framework or new.framework
    merged.subject = new.subject if instead else (prev.subject or new.subject)
    return merged


# ---- the agreement search (rule 0) -------------------------------------------------------------


def _get(item: Any, *names: str) -> Any:
    for name in names:
        if isinstance(item, dict) and item.get(name) not in (None, ""):
            return item[name]
        value = getattr(item, name, None)
        if value not in (None, ""):
            return value
    return None


_ACTIVE = {"active", "aktiv"}


def _agreement(item: Any, mini_words: list[str]) -> AgreementRef | None:
    if isinstance(item, tuple | list):
        parts = [str(p) if p is not None else "" for p in item]
        ref = AgreementRef(parts[0], description=parts[1] if len(parts) > 1 else "",
                           title=parts[2] if len(parts) > 2 else "", status=parts[3] if len(parts) > 3 else "active")
        ordering = ""
    else:
        agreement = _get(item, "agreement") or item
        ident = _get(agreement, "agreement_id", "id", "number")
        if ident is None:
            return None
        status = _get(item, "status") or _get(agreement, "status") or "active"
        status = getattr(status, "value", status)
        ref = AgreementRef(str(ident), title=str(_get(agreement, "title", "name") or ""),
                           description=str(_get(agreement, "description") or ""), status=str(status))
        ordering = str(_get(agreement, "ordering") or "")
    text = f"{ref.description} {ordering}".lower()
    ref.mini_competition = _says([w.lower() for w in mini_words], text)
    if ref.mini_competition:
        ref.mini_from = _mini_from(text, mini_words)
    if not isinstance(item, tuple | list):
        ref.ceiling = _ceiling(_get(item, "agreement") or item)
        ref.kind = str(_get(item, "kind") or "")
    return ref


def _covered_part(text: str) -> str:
    """The scope text without its "does not cover" statements ("… inkludert montering. Omfatter ikke
    løse leker."), as the search's index reads them; the whole text without the search."""
    try:
        from bot.search.index import split_exclusions
    except ImportError:  # pragma: no cover - the search is optional
        return text
    return split_exclusions(text, _search_analyzer())[0]


@lru_cache(maxsize=1)
def _search_analyzer() -> Any:
    from bot.search.text import Analyzer

    return Analyzer()


def _does_the_work(agreement: AgreementRef, kind: str) -> bool:
    """The agreement's own title or scope (before what it excludes) names work of this kind: a verb
    or verbal noun of `taxonomy.kind_verbs` ("montering", "utskifting", "installation"). Not for
    goods: nearly every agreement says it delivers ("levering")."""
    from bot.authority.kind import _verb_kinds

    if kind == "varer":
        return False
    covered = _covered_part(normalise(f"{agreement.title}. {agreement.description}"))
    return kind in _verb_kinds(covered, language())


def _clear_of_its_kind(hit: Any, runner_up: list[Any], kind: str | None) -> bool:
    """A weaker candidate still covers the need when it is an agreement of the kind the question
    was read as and no other candidate comes near it."""
    settings = language()
    score = _get(hit, "score")
    if settings.rule0_kind_min_score is None or kind is None or score is None or _get(hit, "kind") != kind:
        return False
    # only a candidate of the same kind (or of none known) competes: a service agreement next to
    # a painting job's works agreement is another need ("male klasserommene": not ventilation)
    rivals = [h for h in runner_up if _get(h, "kind") in (kind, "", None)]
    second = float(_get(rivals[0], "score") or 0.0) if rivals else 0.0
    return float(score) >= settings.rule0_kind_min_score and float(score) - second >= settings.rule0_margin


def _says(patterns: list[str], text: str) -> bool:
    """Any of these patterns (`compile_pattern` forms) in the text."""
    return any(compile_pattern(p).search(text) for p in patterns)


def _rental(title: str) -> bool:
    """An agreement to rent things: its title says so ("Leie av lift, stillas og anleggsutstyr")."""
    said = normalise(title or "")
    return _says(language().rental_agreement_words, said)


def _new_engagement(question: str) -> bool:
    """The question is about a contract about to be made (to hire, rent, subscribe), not about
    purchases going on already."""
    said = normalise(question)
    lang = language()
    return _says(lang.new_engagement_words, said) and not _says(lang.ongoing_purchase_words, said)


def _owns_not_rents(question: str) -> bool:
    """The question buys, installs or fixes the thing in place, and does not rent it."""
    said = normalise(question)
    lang = language()
    return _says(lang.ownership_words, said) and not _says(lang.renting_words, said)


def _mini_from(text: str, mini_words: list[str]) -> float | None:
    """The amount a mini-competition clause starts from, said in its own sentence ("Oppdrag over
    1 MNOK tildeles etter minikonkurranse, mindre oppdrag etter rangering"); None when none is said."""
    from bot.authority.amounts import find_amounts

    for sentence in re.split(r"(?<=[.;])\s+", text):
        if _says([w.lower() for w in mini_words], sentence):
            found = find_amounts(normalise(sentence), language())
            if found:
                return max(a.nok for a in found)
    return None


def _ceiling(agreement: Any) -> float | None:
    """What the whole agreement is estimated to be worth: its value per year × the years from its
    start to its last possible end (options included), at least one year. None without both."""
    annual = _get(agreement, "annual_value")
    start = _get(agreement, "start_date")
    end = _get(agreement, "final_end_date") or _get(agreement, "end_date")
    try:
        annual = float(annual) if annual is not None else None
    except (TypeError, ValueError):
        return None
    if not annual or annual <= 0 or not isinstance(start, dt.date) or not isinstance(end, dt.date):
        return None
    return annual * max(1.0, (end - start).days / 365.25)


def find(find_agreements: FindAgreements, text: str, as_of: dt.date, m: Matrix,
         pinned: list[str] | None = None, kind: str | None = None,
         value: float | None = None, question: str = "",
         possible: list[AgreementRef] | None = None) -> tuple[list[AgreementRef], list[AgreementRef]]:
    """Active and inactive agreements from the injected search (a list, or a search result with
    `.hits` and `.no_active_agreement`). `pinned`: the agreement(s) an earlier agreement answer
    gave for this need; a follow-up is about those. `value`: the amount the question names, which
    the search of the subject alone cannot see, and the `question` as asked (an agreement may
    exclude new installations from a value on)."""
    try:
        from bot.search.index import STATED, Stated
    except ImportError:  # pragma: no cover - the search is optional
        found = find_agreements(text, as_of)
    else:
        token = STATED.set(Stated(value, question or text))
        try:
            found = find_agreements(text, as_of)
        finally:
            STATED.reset(token)
    mini_words = m.call_off.mini_competition.description_words
    hits: Iterable[Any]
    no_active = False
    inactive_extra: Iterable[Any] = ()
    if hasattr(found, "hits"):
        hits = list(found.hits or [])
        no_active = bool(getattr(found, "no_active_agreement", False))
        inactive_extra = list(_get(found, "inactive", "inactive_matches", "inactive_hits") or [])
        floor = language().rule0_min_score
        answer = str(getattr(found, "answer", "agreement"))
        if pinned:
            hits = [h for h in hits if str(_get(h, "id", "agreement_id")) in pinned] or hits
        elif answer not in ("agreement", "candidates"):
            hits = []  # the search did not recognise the need
        elif answer == "candidates":  # unsure: only a candidate that matches well enough
            offered = hits
            hits = [h for h in hits[:1] if _get(h, "score") is None or float(_get(h, "score")) >= floor
                    or _clear_of_its_kind(h, hits[1:], kind)]
            if not hits and possible is not None and not no_active:
                # not sure enough for rule 0, but worth checking before buying outside an agreement
                refs = [r for r in (_agreement(h, mini_words) for h in offered[:2]) if r is not None]
                possible.extend(r for r in refs if r.status.lower() in _ACTIVE)
        hits = hits[:1]  # the agreement that covers it: the search's first (its ranking, parallel
        # agreements first), one register id per agreement also with several suppliers
    else:
        hits = list(found or [])
    active: list[AgreementRef] = []
    inactive: list[AgreementRef] = []
    for item in hits:
        ref = _agreement(item, mini_words)
        if ref is None:
            continue
        (active if ref.status.lower() in _ACTIVE and not no_active else inactive).append(ref)
    for item in inactive_extra:
        ref = _agreement(item, mini_words)
        if ref is not None and ref.agreement_id not in {a.agreement_id for a in inactive}:
            inactive.append(ref)
    return active, inactive


# ---- the matrix applied ----------------------------------------------------------------------------


def _value(facts: Facts, m: Matrix, steps: list[Step], *, recurring: bool = False) -> tuple[int | None, str | None, int | None]:
    """(value excl. VAT, what to ask if it cannot be computed, months used). `recurring`: the amount
    is for repeated purchases of one kind (call-offs on an agreement), summed over 12 months."""
    if facts.amount_nok is None:
        return None, "value", facts.period_months
    months = facts.period_months
    gross = facts.amount_nok
    per = facts.per
    steps.append(Step("amount", {"text": facts.amount_text, "nok": round(facts.amount_nok)}))
    if facts.amount_low is not None:
        steps.append(Step("range", {"low": round(facts.amount_low), "nok": round(facts.amount_nok)}))
    if facts.period_months:
        steps.append(Step("period", {"months": facts.period_months, "base_months": facts.base_months,
                                     "option_months": facts.option_months}))
    if facts.quantity:
        gross = facts.amount_nok * facts.quantity
        steps.append(Step("quantity", {"nok": round(facts.amount_nok), "quantity": facts.quantity, "total": round(gross)}))
    ongoing = False
    if per == "hour":  # an hourly rate: times the hours said, or ask what it comes to in all
        if not facts.hours:
            return None, "value", months
        steps.append(Step("per_hour", {"nok": round(gross), "hours": facts.hours, "total": round(gross * facts.hours)}))
        gross, per = gross * facts.hours, "total"
    if per == "occasion":  # "40 000 per gang, 12 ganger i året": repeated purchases of one kind
        if not facts.times_per_year:
            return None, "value", months
        steps.append(Step("per_occasion", {"nok": round(gross), "times": facts.times_per_year,
                                           "total": round(gross * facts.times_per_year)}))
        gross, per, recurring = gross * facts.times_per_year, "year", True
    elif per in ("week", "day") and facts.duration and facts.duration[1] == per:
        # "85 000 kr per uke i 10 uker", "3 500 kr per døgn i 20 døgn": for that many weeks or days
        count = facts.duration[0]
        steps.append(Step(f"per_{per}_count", {"nok": round(gross), "count": count, "total": round(gross * count)}))
        gross, per = gross * count, "total"
    elif per == "quarter":  # "5 000 kr i kvartalet": four a year, an ongoing purchase
        steps.append(Step("per_quarter", {"nok": round(gross), "total": round(gross * 4)}))
        gross, per = gross * 4, "year"
        ongoing = True
    elif per == "week":
        steps.append(Step("per_week", {"nok": round(gross), "total": round(gross * 52)}))
        gross, per = gross * 52, "year"
        ongoing = True
    elif per == "day":  # a daily price for days not said: ask what it comes to in all
        return None, "value", months
    if per in {"year", "month"}:
        if months is None:
            if recurring:
                months = 12  # repeated purchases of the same kind are added up over 12 months
                steps.append(Step("recurring_12", {}))
            elif ongoing or per == "month":
                if _new_engagement(facts.question):
                    # a contract about to be made at a monthly price: its period decides its value
                    return None, "period", None
                # a weekly or monthly amount is an ongoing purchase: at least 12 months of it (the
                # answer says so and asks for the period if the agreement runs longer)
                months = 12
                steps.append(Step("ongoing_12", {}))
            elif facts.framework:
                months = m.interpretation.framework_max_years * 12
                steps.append(Step("framework_years", {"years": m.interpretation.framework_max_years}))
            else:
                return None, "period", None
        per_period = gross
        gross = per_period * (months / 12 if per == "year" else months)
        steps.append(Step(f"per_{per}", {"nok": round(per_period), "months": months, "total": round(gross)}))
    value = excl_vat(gross, facts.vat)
    if facts.vat == "included":
        steps.append(Step("vat_included", {"gross": round(gross), "net": value, "rate": m.interpretation.vat_rate_percent}))
    elif facts.vat is None:
        steps.append(Step("vat_default", {}))
    if facts.bound:
        steps.append(Step(f"bound_{facts.bound}", {"value": value}))
    return value, None, months


def effective_value(value: int, bound: str | None) -> int:
    """The value the bands are applied to: "under 100 000" is at most 99 999; "over 5 mill" more than 5 000 000."""
    if bound == "below":
        return max(0, value - 1)
    if bound == "above":
        return value + 1
    return value


def _condition_holds(cond: Any, kind: str | None, cues: list[str], value: int, months: int | None,
                     m: Matrix, as_of: dt.date) -> tuple[bool, list[str]]:
    if cond.kinds is not None and kind not in cond.kinds:
        return False, []
    if cond.cues is not None and not set(cond.cues) & set(cues):
        return False, []
    used: list[str] = []
    if cond.min_threshold:
        row = m.threshold(cond.min_threshold, as_of)
        if row is None or value < row.value:
            return False, []
        used.append(row.id)
    if cond.period_over_months is not None and not (months and months > cond.period_over_months):
        return False, []
    return True, used


@dataclass
class _Outcome:
    band: str
    performed_by: str
    signer: str
    requirements: list[str]
    thresholds: list[str]


def _band_outcome(value: int, kind: str, facts: Facts, months: int | None, as_of: dt.date, m: Matrix) -> _Outcome:
    band, _lower = mx.band_of(value, kind, as_of)
    thresholds: list[str] = []
    ids = [b.id for b in m.bands]
    for b in (band, *(m.bands[ids.index(band.id) + 1:ids.index(band.id) + 2])):
        row = m.band_lower(b, kind, as_of)
        if row is not None:
            thresholds.append(row.id)
    wanted = set(band.requirements)
    for rule in m.cross_cutting:
        for cond in rule.any_of:
            holds, used = _condition_holds(cond, kind, facts.cues, value, months, m, as_of)
            if holds:
                wanted.add(rule.requirement)
                thresholds.extend(used)
                break
    for rid in wanted:  # a requirement that is also a threshold (skatteattest) shows its row
        if any(t.id == rid for t in m.thresholds):
            thresholds.append(rid)
    signer = mx.signer_for(band.id, value)
    for override in m.signer_overrides:
        if override.cue in facts.cues:
            signer = override.role
    order = list(band.requirements) + [r.id for r in m.requirements if r.id not in band.requirements]
    return _Outcome(band.id, band.performed_by, signer, sorted(wanted, key=order.index), list(dict.fromkeys(thresholds)))


def analyse(question: str, as_of: dt.date, *, find_agreements: FindAgreements | None = None,
            previous: Any = None) -> AuthorityResult:
    """Who carries out, approves and signs this purchase, and what the matrix requires."""
    result = _analyse(question, as_of, find_agreements=find_agreements, previous=previous)
    if result.rule != "framework" and result.signer and mx.matrix().approval_outside_agreements == "signer":
        # outside a framework agreement the one who signs the contract approves the purchase
        result.approver = result.signer
        result.steps.append(Step("approver_is_signer", {"role": result.signer}))
    if result.rule != "framework" and result.approver:
        for override in mx.matrix().approver_overrides:
            if override.requirement in result.requirements:
                # the matrix names this approval itself (a period over 4 years: the chief
                # municipal executive approves before the competition is announced)
                result.approver = override.role
                result.steps.append(Step("approver_by_requirement", {"role": override.role,
                                                                     "requirement": override.requirement}))
    return result


def _analyse(question: str, as_of: dt.date, *, find_agreements: FindAgreements | None = None,
             previous: Any = None) -> AuthorityResult:
    m = mx.matrix()
    prev, prev_incomplete = _previous_facts(previous)
    facts = merge(prev, prev_incomplete, parse(question))
    today = as_of
    said = dates.find_date(normalise(facts.question or question), today, language())
    if said:  # "et kjøp vi gjorde i juni 2023": the thresholds in force then
        as_of = said[0]
        facts.date, facts.date_text = as_of.isoformat(), said[1]
    result = AuthorityResult(question=facts.question or question, as_of=as_of, facts=facts)
    steps = result.steps
    if said:
        steps.append(Step("date", {"text": said[1], "date": as_of.isoformat()}))
    result.kind_candidates = (list(facts.kind_choices)
                              or [k for k, _ in sorted(facts.kind_scores.items(), key=lambda kv: -kv[1])] or m.kind_ids())
    if facts.silent:
        result.rule, result.silent = "silent", list(facts.silent)
        return result

    value, value_gap, months = _value(facts, m, steps)
    result.value_nok_excl_vat = value
    result.value_bound = facts.bound if value is not None else None
    if value is not None:
        value = effective_value(value, facts.bound)
    result.period_months = facts.period_months
    result.kind = facts.kind
    if facts.kind:
        steps.append(Step("kind", {"kind": facts.kind, "words": facts.kind_words[:4]}))

    # rule 0: an active framework agreement covers it
    if find_agreements is not None and "hele_kommunen" not in facts.cues and facts.subject:
        result.search = "used"
        pinned = [str(i) for i in previous.get("agreement_ids") or []] if isinstance(previous, dict) else []
        with looking_back(today) if as_of < today else nullcontext():
            possible: list[AgreementRef] = []
            active, inactive = find(find_agreements, facts.subject, as_of, m, pinned=pinned, kind=facts.kind,
                                    value=facts.amount_nok if facts.bound is None else None, question=question,
                                    possible=possible)
            result.possible_agreements = possible
        if active and value is not None and not pinned:
            # a purchase bigger than the whole agreement is estimated to be worth is no call-off on it
            # (a new school is not bought on the pupil-PC agreement the word "skole" found)
            beyond = [a for a in active if a.ceiling is not None and value > a.ceiling]
            for agreement in beyond:
                steps.append(Step("beyond_agreement", {"id": agreement.agreement_id, "title": agreement.title,
                                                       "value": value, "total": round(agreement.ceiling or 0)}))
            active = [a for a in active if a not in beyond]
        if active and facts.kind and not pinned:
            # a service agreement is no call-off for buying the thing itself or building it ("ny heis"
            # is not bought on the lift service agreement; a snow blower not on snow clearing)
            # — unless the agreement says it does that work too ("levering og montering", "utskifting av
            # sylindere")
            other = [a for a in active if facts.kind in language().rule0_other_kind.get(a.kind, [])
                     and not _does_the_work(a, facts.kind)]
            for agreement in other:
                steps.append(Step("other_kind", {"id": agreement.agreement_id, "title": agreement.title,
                                                 "kind": facts.kind, "agreement_kind": agreement.kind}))
            active = [a for a in active if a not in other]
        if active and not pinned and _owns_not_rents(" ".join([facts.question, *facts.followups])):
            rented = [a for a in active if _rental(a.title)]
            for agreement in rented:
                steps.append(Step("rental_agreement", {"id": agreement.agreement_id, "title": agreement.title}))
            active = [a for a in active if a not in rented]
        if pinned and not active:
            active = [AgreementRef(i) for i in pinned]  # the agreement the earlier answer gave
        result.inactive_agreements = inactive
        if active:
            framework = _framework(result, active, value, value_gap, m)
            otherwise = analyse(question, today, find_agreements=None, previous=previous)
            if otherwise.rule == "band" and otherwise.band:
                framework.otherwise = otherwise
            return framework
    elif find_agreements is not None:
        result.search = "skipped"  # a new framework for the whole municipality, or nothing named to look up

    missing: list[str] = []
    if value is None:
        # what must be asked: the period when an amount per year or month is known, else the value
        missing.append("period" if value_gap == "period" else "value")
        result.ask = value_gap
    if facts.kind is None:
        if value is not None and _kind_does_not_matter(value, facts, months, as_of, m):
            steps.append(Step("kind_not_needed", {}))
        else:
            missing.append("kind")
            result.ask = result.ask or "kind"
    if missing:
        result.rule, result.missing = "incomplete", missing
        # who signs can be known before the value: a framework for the whole municipality is signed
        # by the role the matrix names for it, whatever its value
        result.signer = next((o.role for o in m.signer_overrides if o.cue in facts.cues), None)
        if result.ask == "value" and "kind" in missing:
            result.ask = "kind"  # one question at a time: the kind first, then the value ranges for it
        return result

    assert value is not None
    kind = facts.kind or (facts.kind_choices or m.kind_ids())[0]
    outcome = _band_outcome(value, kind, facts, months, as_of, m)
    result.band, result.performed_by, result.signer = outcome.band, outcome.performed_by, outcome.signer
    result.requirements = outcome.requirements
    result.thresholds_used = [t for t in (mx.threshold_in_force(tid, as_of) for tid in outcome.thresholds) if t]
    result.lead_time = mx.lead_time(outcome.band)
    steps.append(Step("band", {"band": outcome.band}))
    band = m.band(outcome.band)
    if len(band.signer) > 1:
        limit = next(r.max_value_incl for r in band.signer if r.max_value_incl)
        steps.append(Step("signer_limit", {"limit": limit, "role": result.signer}))
    if any(o.cue in facts.cues for o in m.signer_overrides):
        steps.append(Step("signer_override", {"role": result.signer}))
    if facts.per in {"year", "month"} and months and months > m.interpretation.period_over_months:
        pass
    return result


def _kind_does_not_matter(value: int, facts: Facts, months: int | None, as_of: dt.date, m: Matrix) -> bool:
    """Every kind the question allows (its two choices, or any kind) gives the same answer."""
    outcomes = {
        (o.band, o.performed_by, o.signer, tuple(o.requirements))
        for o in (_band_outcome(value, k, facts, months, as_of, m) for k in (facts.kind_choices or m.kind_ids()))
    }
    return len(outcomes) == 1


def _framework(result: AuthorityResult, active: list[AgreementRef], value: int | None, value_gap: str | None,
               m: Matrix) -> AuthorityResult:
    result.rule = "framework"
    result.agreements = active
    result.framework_agreement = [a.agreement_id for a in active]
    result.performed_by = m.call_off.performed_by
    result.steps.append(Step("rule0", {"ids": result.framework_agreement}))
    if value is None and value_gap == "period" and result.facts is not None:
        # call-offs repeat: a yearly or monthly amount with no period is what is called off in 12 months
        again: list[Step] = []
        value, _gap, _months = _value(result.facts, m, again, recurring=True)
        result.steps.extend(s for s in again if s not in result.steps)  # the amount's steps are there already
        result.value_nok_excl_vat = value
        value = effective_value(value, result.facts.bound) if value is not None else None
    if value is None:
        # the policy asks before it answers (chapter 6): who approves, and who carries it out (a
        # mini-competition from 500 000 moves a call-off to the procurement section), wait for the amount
        result.performed_by = None
        result.missing = ["period" if value_gap == "period" else "value"]
        result.ask = value_gap or "value"
        return result
    result.approver = mx.call_off_approver(value)
    result.steps.append(Step("call_off", {"value": value, "role": result.approver}))
    mini = m.call_off.mini_competition
    first = active[0] if active else None
    if (first is not None and first.mini_competition and value >= mini.min_value
            and (first.mini_from is None or first.mini_from <= mini.min_value or value > first.mini_from)):
        # the policy's floor ("500 000 or more"), or the agreement's own higher one ("over 1 MNOK")
        result.requirements = [mini.requirement]
        result.performed_by = mini.performed_by
        result.steps.append(Step("mini", {"min": mini.min_value, "id": active[0].agreement_id}))
    return result
