"""The authority matrix as validated data: pydantic models for `knowledge/authority/*.yaml`.

`load_matrix()` reads `knowledge/authority/matrix.yaml` through the one validating loader
(`agreements_sync.knowledge.load_model`) and then checks the file as a whole: every role,
threshold, kind and requirement it refers to exists, threshold rows of one id are in date
order, bands are contiguous and increasing for every kind on every date a threshold changes,
the signer rules end with an open row, lead times add up. Errors raise `KnowledgeError`
naming the file and the field.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from agreements_sync.i18n import translate_data
from agreements_sync.knowledge import KnowledgeError, load_model

MATRIX_FILE = "authority/matrix.yaml"
LANGUAGE_FILE = "authority/language.yaml"
MATRIX_TEXTS = "authority-matrix"  # the gettext domain of the matrix's nynorsk texts

_ID = r"^[a-z][a-z0-9_]*$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(Strict):
    nb: str = Field(min_length=1)
    en: str = Field(min_length=1)
    nn: str | None = Field(default=None, min_length=1)  # nynorsk; the bokmål text where it reads the same

    def get(self, lang: str) -> str:
        if lang == "en":
            return self.en
        if lang == "nn":  # written here, or translated in the matrix's nynorsk catalog
            return self.nn or translate_data(MATRIX_TEXTS, self.nb, "nn")
        return self.nb


class Document(Strict):
    title: Text
    valid_from: dt.date
    owner: Text


class Role(Strict):
    id: str = Field(pattern=_ID)
    name: Text
    short: Text | None = None  # for sentences ("Innkjøpsseksjonen gjennomfører")


class Kind(Strict):
    id: str = Field(pattern=_ID)
    name: Text


class Threshold(Strict):
    id: str = Field(pattern=_ID)
    name: Text
    value: int = Field(gt=0)
    valid_from: dt.date
    source: str = Field(min_length=1)


class Requirement(Strict):
    id: str = Field(pattern=_ID)
    text: Text
    source: str | None = None


class SignerRow(Strict):
    role: str
    max_value_incl: int | None = Field(default=None, gt=0)


class Band(Strict):
    id: str = Field(pattern=r"^[A-Z]$")
    summary: Text  # what the employee does, in plain words (the answer's title)
    lower_threshold: str | None = None
    lower_threshold_by_kind: dict[str, str] | None = None
    regulation: Text
    regulation_by_kind: dict[str, Text] = Field(default_factory=dict)
    performed_by: str
    performed_by_note: Text | None = None
    signer: list[SignerRow] = Field(min_length=1)
    requirements: list[str] = Field(default_factory=list)
    notes: list[Text] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_lower(self) -> Band:
        if self.lower_threshold and self.lower_threshold_by_kind:
            raise ValueError("give either lower_threshold or lower_threshold_by_kind, not both")
        for i, row in enumerate(self.signer):
            last = i == len(self.signer) - 1
            if last and row.max_value_incl is not None:
                raise ValueError("signer: the last row must have no max_value_incl (it covers everything above)")
            if not last and row.max_value_incl is None:
                raise ValueError(f"signer.{i}: every row but the last needs max_value_incl")
        limits = [r.max_value_incl for r in self.signer if r.max_value_incl is not None]
        if limits != sorted(set(limits)):
            raise ValueError("signer: max_value_incl must increase from row to row")
        return self


class Condition(Strict):
    kinds: list[str] | None = None
    cues: list[str] | None = None
    min_threshold: str | None = None
    period_over_months: int | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _not_empty(self) -> Condition:
        if not (self.kinds or self.cues or self.min_threshold or self.period_over_months):
            raise ValueError("a condition needs at least one of kinds, cues, min_threshold, period_over_months")
        return self


class CrossCutting(Strict):
    requirement: str
    any_of: list[Condition] = Field(min_length=1)


class SignerOverride(Strict):
    cue: str
    role: str


class ApproverOverride(Strict):
    """When this requirement applies, this role approves (e.g. a period over 4 years: the chief
    municipal executive approves before the competition is announced)."""

    requirement: str
    role: str


class ApprovalRow(Strict):
    from_value: int = Field(ge=0)
    role: str


class MiniCompetition(Strict):
    min_value: int = Field(gt=0)
    description_words: list[str] = Field(min_length=1)
    requirement: str
    performed_by: str


class CallOff(Strict):
    performed_by: str
    approval: list[ApprovalRow] = Field(min_length=1)
    mini_competition: MiniCompetition

    @field_validator("approval")
    @classmethod
    def _approval_sorted(cls, rows: list[ApprovalRow]) -> list[ApprovalRow]:
        if rows[0].from_value != 0:
            raise ValueError("the first row must start at from_value 0")
        values = [r.from_value for r in rows]
        if values != sorted(set(values)):
            raise ValueError("from_value must increase from row to row")
        return rows


class BandLeadTime(Strict):
    band: str
    competition_months: int = Field(gt=0)
    start_months_before_expiry: int = Field(gt=0)


class LeadTimes(Strict):
    needs_assessment_months: int = Field(ge=0)
    option_notice_months: int = Field(gt=0)
    bands: list[BandLeadTime] = Field(min_length=1)

    @model_validator(mode="after")
    def _adds_up(self) -> LeadTimes:
        for i, row in enumerate(self.bands):
            if row.start_months_before_expiry != row.competition_months + self.needs_assessment_months:
                raise ValueError(
                    f"bands.{i} ({row.band}): start_months_before_expiry {row.start_months_before_expiry} is not "
                    f"competition_months {row.competition_months} + needs_assessment_months {self.needs_assessment_months}"
                )
        return self


class Interpretation(Strict):
    vat_rate_percent: int = Field(ge=0, le=100)
    default_vat: str = Field(pattern=r"^(excluded|included)$")
    framework_max_years: int = Field(gt=0)
    period_over_months: int = Field(gt=0)
    rules: list[Text] = Field(default_factory=list)


class Contact(Strict):
    name: Text
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+$")
    phone: str


class Matrix(Strict):
    document: Document
    roles: list[Role] = Field(min_length=1)
    kinds: list[Kind] = Field(min_length=1)
    thresholds: list[Threshold] = Field(min_length=1)
    not_adopted: list[Text] = Field(default_factory=list)
    requirements: list[Requirement] = Field(min_length=1)
    bands: list[Band] = Field(min_length=1)
    cross_cutting: list[CrossCutting] = Field(default_factory=list)
    signer_overrides: list[SignerOverride] = Field(default_factory=list)
    # who approves a purchase outside a framework agreement: the role that signs its contract
    # ("signer"), or no approval role of its own ("none"); call-offs follow call_off.approval
    approval_outside_agreements: Literal["signer", "none"] = "none"
    approver_overrides: list[ApproverOverride] = Field(default_factory=list)
    call_off: CallOff
    lead_times: LeadTimes
    interpretation: Interpretation
    contact: Contact

    # ---- look-ups -------------------------------------------------------------------------

    def role_ids(self) -> set[str]:
        return {r.id for r in self.roles}

    def kind_ids(self) -> list[str]:
        return [k.id for k in self.kinds]

    def role(self, role_id: str) -> Role:
        return next(r for r in self.roles if r.id == role_id)

    def kind(self, kind_id: str) -> Kind:
        return next(k for k in self.kinds if k.id == kind_id)

    def band(self, band_id: str) -> Band:
        return next(b for b in self.bands if b.id == band_id)

    def requirement(self, requirement_id: str) -> Requirement:
        return next(r for r in self.requirements if r.id == requirement_id)

    def threshold(self, threshold_id: str, as_of: dt.date) -> Threshold | None:
        """The row of `threshold_id` in force on `as_of` (latest valid_from <= as_of), or None."""
        rows = [t for t in self.thresholds if t.id == threshold_id and t.valid_from <= as_of]
        return rows[-1] if rows else None

    def band_lower(self, band: Band, kind: str, as_of: dt.date) -> Threshold | None:
        """The threshold row where `band` starts for `kind` on `as_of` (None for the first band)."""
        threshold_id = band.lower_threshold_by_kind[kind] if band.lower_threshold_by_kind else band.lower_threshold
        if threshold_id is None:
            return None
        row = self.threshold(threshold_id, as_of)
        if row is None:
            raise KnowledgeError(
                f"{MATRIX_FILE}: thresholds: no row of '{threshold_id}' is in force on {as_of.isoformat()} "
                f"(band {band.id} needs it); add a row with an earlier valid_from"
            )
        return row

    # ---- whole-file checks ------------------------------------------------------------------

    @model_validator(mode="after")
    def _cross_checks(self) -> Matrix:
        problems: list[str] = []
        roles = self.role_ids()
        kinds = self.kind_ids()
        requirement_ids = [r.id for r in self.requirements]
        threshold_ids = {t.id for t in self.thresholds}

        for name, ids in (("roles", [r.id for r in self.roles]), ("kinds", kinds), ("requirements", requirement_ids)):
            dupes = sorted({i for i in ids if ids.count(i) > 1})
            if dupes:
                problems.append(f"{name}: duplicate id {', '.join(dupes)}")

        by_id: dict[str, list[tuple[int, Threshold]]] = {}
        for i, row in enumerate(self.thresholds):
            by_id.setdefault(row.id, []).append((i, row))
        for tid, rows in by_id.items():
            for (_, a), (j, b) in itertools.pairwise(rows):
                if b.valid_from <= a.valid_from:
                    problems.append(
                        f"thresholds.{j}.valid_from: rows of '{tid}' must be in date order without repeats "
                        f"({b.valid_from.isoformat()} comes after {a.valid_from.isoformat()})"
                    )

        def need_role(where: str, role_id: str) -> None:
            if role_id not in roles:
                problems.append(f"{where}: unknown role '{role_id}' (roles: {', '.join(sorted(roles))})")

        def need_threshold(where: str, tid: str | None) -> None:
            if tid is not None and tid not in threshold_ids:
                problems.append(f"{where}: unknown threshold '{tid}' (thresholds: {', '.join(sorted(threshold_ids))})")

        def need_requirement(where: str, rid: str) -> None:
            if rid not in requirement_ids:
                problems.append(f"{where}: unknown requirement '{rid}'")

        def need_kind(where: str, kid: str) -> None:
            if kid not in kinds:
                problems.append(f"{where}: unknown kind '{kid}' (kinds: {', '.join(kinds)})")

        band_ids = [b.id for b in self.bands]
        if band_ids != sorted(set(band_ids)):
            problems.append(f"bands: ids must be unique and in order (got {', '.join(band_ids)})")
        for i, band in enumerate(self.bands):
            where = f"bands.{i} ({band.id})"
            if i == 0 and (band.lower_threshold or band.lower_threshold_by_kind):
                problems.append(f"{where}.lower_threshold: the first band starts at 0 and must have none")
            if i > 0 and not (band.lower_threshold or band.lower_threshold_by_kind):
                problems.append(f"{where}.lower_threshold: missing (only the first band starts at 0)")
            need_threshold(f"{where}.lower_threshold", band.lower_threshold)
            if band.lower_threshold_by_kind is not None:
                missing = [k for k in kinds if k not in band.lower_threshold_by_kind]
                if missing:
                    problems.append(f"{where}.lower_threshold_by_kind: no threshold for kind {', '.join(missing)}")
                for kid, tid in band.lower_threshold_by_kind.items():
                    need_kind(f"{where}.lower_threshold_by_kind", kid)
                    need_threshold(f"{where}.lower_threshold_by_kind.{kid}", tid)
            for kid in band.regulation_by_kind:
                need_kind(f"{where}.regulation_by_kind", kid)
            need_role(f"{where}.performed_by", band.performed_by)
            for j, signer_row in enumerate(band.signer):
                need_role(f"{where}.signer.{j}.role", signer_row.role)
            for rid in band.requirements:
                need_requirement(f"{where}.requirements", rid)

        for i, rule in enumerate(self.cross_cutting):
            need_requirement(f"cross_cutting.{i}.requirement", rule.requirement)
            for j, cond in enumerate(rule.any_of):
                for kid in cond.kinds or []:
                    need_kind(f"cross_cutting.{i}.any_of.{j}.kinds", kid)
                need_threshold(f"cross_cutting.{i}.any_of.{j}.min_threshold", cond.min_threshold)
        for i, override in enumerate(self.signer_overrides):
            need_role(f"signer_overrides.{i}.role", override.role)
        for i, approval in enumerate(self.approver_overrides):
            need_role(f"approver_overrides.{i}.role", approval.role)
            need_requirement(f"approver_overrides.{i}.requirement", approval.requirement)
        need_role("call_off.performed_by", self.call_off.performed_by)
        for i, approval_row in enumerate(self.call_off.approval):
            need_role(f"call_off.approval.{i}.role", approval_row.role)
        need_role("call_off.mini_competition.performed_by", self.call_off.mini_competition.performed_by)
        need_requirement("call_off.mini_competition.requirement", self.call_off.mini_competition.requirement)
        for i, lead_row in enumerate(self.lead_times.bands):
            if lead_row.band not in band_ids:
                problems.append(f"lead_times.bands.{i}.band: unknown band '{lead_row.band}'")

        if not problems:
            problems.extend(self._band_order_problems())
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def _band_order_problems(self) -> list[str]:
        """Bands must start at strictly increasing values for every kind on every change date."""
        problems: list[str] = []
        dates = sorted({t.valid_from for t in self.thresholds})
        for day in dates:
            for kind in self.kinds:
                previous: tuple[str, int] | None = None
                for band in self.bands[1:]:
                    tid = band.lower_threshold_by_kind[kind.id] if band.lower_threshold_by_kind else band.lower_threshold
                    row = self.threshold(tid, day) if tid else None
                    if row is None:
                        continue  # not in force yet on this day; checked when a band is asked for
                    if previous and row.value <= previous[1]:
                        problems.append(
                            f"bands.{band.id}: for kind {kind.id} on {day.isoformat()} band {band.id} starts at "
                            f"{row.value} ('{row.id}'), not above band {previous[0]} at {previous[1]}: bands must not overlap"
                        )
                    previous = (band.id, row.value)
        return problems


# ---- the language file: words that tell the kind of purchase and the cues ------------------------


def _check_patterns(patterns: list[str]) -> list[str]:
    for p in patterns:
        body = p.lstrip("^=$")
        if not body.strip():
            raise ValueError(f"empty pattern '{p}'")
        if body != body.lower():
            raise ValueError(f"pattern '{p}' must be lower-case")
    return patterns


class Cue(Strict):
    """A cue is in a question when one of `words` matches, none of `exclude` does, and (if given)
    one of `require_also` matches too. Pattern forms: `word` matches inside a word (compounds),
    `^word` at the start of a word, `$word` at its end, `=word` only the whole word; spaces
    allowed in phrases."""

    words: list[str] = Field(min_length=1)
    exclude: list[str] = Field(default_factory=list)
    require_also: list[str] = Field(default_factory=list)
    # with `near`: a `require_also` word must stand in the same clause as a `words` match, at most
    # this many words from it ("leie nye lokaler", not "flytter inn i nye lokaler og vil kjøpe renhold")
    near: int | None = Field(default=None, ge=0)
    label: Text

    @field_validator("words", "exclude", "require_also")
    @classmethod
    def _patterns(cls, value: list[str]) -> list[str]:
        return _check_patterns(value)


class VatWords(Strict):
    included: list[str] = Field(min_length=1)
    excluded: list[str] = Field(min_length=1)


class Bounds(Strict):
    """Words before an amount that make it a limit: "under 100 000" is below 100 000 (band A)."""

    below: list[str] = Field(min_length=1)
    at_most: list[str] = Field(min_length=1)
    above: list[str] = Field(min_length=1)
    at_least: list[str] = Field(min_length=1)


class AmountWords(Strict):
    """How money is written (bot.authority.amounts): currency, multipliers, rates and bounds."""

    currency_before: list[str] = Field(min_length=1)
    currency_after: list[str] = Field(min_length=1)
    multipliers: dict[str, int] = Field(min_length=1)  # after the number: "350k", "2,5 mill", "350'"
    multipliers_before: list[str] = Field(default_factory=list)  # "MNOK 1,2" (factor from `multipliers`)
    currency_only_multipliers: list[str] = Field(default_factory=list)  # "2 m" is money only with a currency
    half_words: list[str] = Field(default_factory=list)  # "en halv", "half a" (million)
    count_units: list[str] = Field(default_factory=list)  # a lone number word before these is a number
    range_joiners: list[str] = Field(default_factory=list)  # "300 000 til 400 000"
    per_occasion: list[str] = Field(default_factory=list)  # "40 000 per gang"
    per_week: list[str] = Field(default_factory=list)
    per_quarter: list[str] = Field(default_factory=list)
    per_day: list[str] = Field(default_factory=list)  # "3 500 kr per døgn": times the days said
    # "i 10 uker", "for 90 days": how many weeks or days a weekly or daily price runs (unit word -> week | day)
    duration_units: dict[str, str] = Field(default_factory=dict)
    per_hour: list[str] = Field(default_factory=list)  # "1 200 kr timen": a rate, multiplied by the hours said
    hour_units: list[str] = Field(default_factory=list)  # "400 timer": how many hours
    times_words: list[str] = Field(default_factory=list)  # "12 ganger i året"
    frequency_units: dict[str, int] = Field(default_factory=dict)  # "… i året": times a year for one
    frequency_words: dict[str, int] = Field(default_factory=dict)  # "hver måned": 12 times a year
    bounds: Bounds
    negations: list[str] = Field(default_factory=list)  # "ikke over 100 000" is at most 100 000

    @model_validator(mode="after")
    def _before_known(self) -> AmountWords:
        unknown = [w for w in self.multipliers_before + self.currency_only_multipliers if w not in self.multipliers]
        if unknown:
            raise ValueError(f"multipliers_before/currency_only_multipliers: no factor in multipliers for {', '.join(unknown)}")
        return self


class IntentWords(Strict):
    """Concepts that make a message an authority question (bot.authority.intent)."""

    concepts: dict[str, list[str]] = Field(min_length=1)
    focus_order: list[str] = Field(default_factory=list)
    not_concepts: list[str] = Field(default_factory=list)

    @field_validator("concepts")
    @classmethod
    def _patterns(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for name, words in value.items():
            if not words:
                raise ValueError(f"{name}: no words")
            _check_patterns(words)
        return value

    @model_validator(mode="after")
    def _focus_known(self) -> IntentWords:
        unknown = [c for c in self.focus_order if c not in self.concepts]
        if unknown:
            raise ValueError(f"focus_order: unknown concept {', '.join(unknown)}")
        return self


class DateWords(Strict):
    """Words for the date a question is about (bot.authority.dates)."""

    months: list[list[str]] = Field(min_length=12, max_length=12)
    seasons: dict[str, int] = Field(default_factory=dict)
    year_prepositions: list[str] = Field(default_factory=list)
    relative_years: dict[str, int] = Field(default_factory=dict)
    now_words: list[str] = Field(default_factory=list)


class TaxonomyUse(Strict):
    """How the authority answer uses the taxonomy (bot.authority.kind)."""

    min_score: float = Field(ge=0, le=1)  # a field hit below this is not taken as what is bought
    close_share: float = Field(gt=0, le=1)  # hits within this share of the best are a tie with it
    # Below min_score no field is sure, yet the kind may be: a hit from weak_min_score is taken for
    # its kind when every hit within weak_share of it is of that same kind.
    weak_min_score: float | None = Field(default=None, ge=0, le=1)
    weak_share: float = Field(default=0.9, gt=0, le=1)
    flag_cues: dict[str, str] = Field(default_factory=dict)  # taxonomy flag -> matrix cue
    kind_verbs: dict[str, list[str]] = Field(default_factory=dict)  # verbs that pick a field's kind
    generic_verb_kinds: list[str] = Field(default_factory=list)  # kinds whose verbs yield to more specific ones
    # A thing that is new or bought, named by the head of its word ("ny feiebil", "kjøpe
    # garderobeskap"): that kind, whatever the field it belongs to (a sweeper truck is goods, even
    # though the field is street sweeping); only when no verb picked the kind.
    thing_heads: dict[str, list[str]] = Field(default_factory=dict)
    # … the same, only for a field that allows that kind ("nytt ventilasjonsanlegg": works, while
    # "nytt lydanlegg" stays goods)
    installation_heads: dict[str, list[str]] = Field(default_factory=dict)
    new_words: list[str] = Field(default_factory=list)  # "ny", "nytt", "new": the thing is acquired
    # Words that end like a head but are none ("mobil" is no "bil")
    not_heads: list[str] = Field(default_factory=list)
    # Studies of buildings and grounds ("kartlegging", "prosjektering"): services, though the field
    # of what is studied is works
    study_verbs: list[str] = Field(default_factory=list)
    # Words that name an agreement the asker already has ("kan vi bruke serviceavtalen?"): no verb
    # or thing of the purchase (a new lift asked about on the service agreement is still works)
    agreement_names: list[str] = Field(default_factory=list)
    # Goods delivered with their installation ("klatrestativ med montering", "levert og montert"):
    # the installation is part of the delivery, no verb of works
    incidental_installation: list[str] = Field(default_factory=list)
    # Goods named by what they are used for ("cleaning products", "storage boxes"): that use is no
    # verb of the purchase
    goods_named_by_use: list[str] = Field(default_factory=list)
    # Phrases whose verb says nothing of what is bought ("we're running low on gloves", "up and
    # running"): no verb of the purchase
    idioms: list[str] = Field(default_factory=list)
    # The taxonomy flags a thing read by its head carries ("ny feiebil": a vehicle bought)
    thing_flags: dict[str, list[str]] = Field(default_factory=dict)
    # Verbs that say the kind whatever the field ("bygge nytt sykehjem", "rive garasjen": works) …
    decisive_verbs: dict[str, list[str]] = Field(default_factory=dict)
    # … and things that are of a kind when a new-word stands right before them ("nytt flerbrukshus")
    new_heads: dict[str, list[str]] = Field(default_factory=dict)
    # … not where these words come just before the new-word ("til den nye barnehagen": the place)
    place_words: list[str] = Field(default_factory=list)
    articles: list[str] = Field(default_factory=list)  # "til den nye …", "for the school": skipped with the place
    and_words: list[str] = Field(default_factory=list)
    # Words after which the new thing's name has ended ("a new sports hall worth …", "nytt
    # svømmeanlegg, kalkyle …"); any other word goes on with it ("new school bags" are bags)
    new_head_ends: list[str] = Field(default_factory=list)
    # "the contract for the new kindergarten": a contract's object, not whom it is for
    contract_words: list[str] = Field(default_factory=list)  # "ny gang- og sykkelveg": the new thing goes on
    # … unless a field of services this sure was read from other words ("arkitekt til nytt bygg")
    sure_service: float = Field(default=0.8, ge=0)
    # A verb of a kind the best field does not allow picks a field of that kind this near the best
    # ("lastebilen treng service": vehicle servicing, not the truck)
    verb_share: float = Field(default=0.75, gt=0, le=1)
    # Words that name the kind itself ("et tjenestekjøp", "a works contract", "helse- og
    # sosialtjenester"): the asker has said the kind, whatever the thing reads as
    kind_names: dict[str, list[str]] = Field(default_factory=dict)

    @field_validator("kind_verbs", "thing_heads", "installation_heads", "decisive_verbs", "new_heads", "thing_flags",
                     "kind_names")
    @classmethod
    def _patterns(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for words in value.values():
            _check_patterns(words)
        return value


class Language(Strict):
    kinds: dict[str, list[str]]
    amounts: AmountWords
    cues: dict[str, Cue]
    number_words: dict[str, float]
    # number words that are other English words ("to", "fire"): no numbers in an English question
    number_words_english_homographs: list[str] = Field(default_factory=list)
    vat: VatWords
    per_year: list[str]
    per_month: list[str]
    option_words: list[str]
    framework_words: list[str]
    non_money_units: list[str]
    intent: IntentWords
    dates: DateWords
    taxonomy: TaxonomyUse
    silent_topics: dict[str, Cue] = Field(default_factory=dict)
    # Rule 0: an agreement of this kind (the key) is no call-off for a purchase of these kinds
    rule0_other_kind: dict[str, list[str]] = Field(default_factory=dict)
    unit_price_after: list[str] = Field(default_factory=list)  # right after a price: a price each ("kr stk")
    # what a number before a price "for each" counts when it is no count of things ("3 år", "12 ganger")
    not_counted_units: list[str] = Field(default_factory=list)
    recipient_words: list[str] = Field(default_factory=list)
    # words that start what a thing is for ("traktor til parkdrifta", "a tractor for park
    # maintenance"): a service named there is not what is bought
    purpose_words: list[str] = Field(default_factory=list)
    # a follow-up that takes the options away ("hvis vi dropper opsjonen?"): the base period alone
    drop_option_words: list[str] = Field(default_factory=list)
    object_words: list[str] = Field(default_factory=list)
    unit_price_words: list[str] = Field(default_factory=list)
    search_stopwords: list[str] = Field(default_factory=list)
    filler_words: list[str] = Field(default_factory=list)
    # "blomsteravtalen er utløpt", "kan vi bruke elektrikeravtalen?": the agreement named by its thing
    # ("blomster", "elektriker") — the word's ending that names an agreement is left out
    agreement_endings: list[str] = Field(default_factory=list)
    linking_words: list[str] = Field(default_factory=list)
    # words that join two clauses ("… nye lokaler og vil kjøpe renhold"): a cue's `near` words must
    # stand on the same side of them
    clause_joins: list[str] = Field(default_factory=list)
    # a message opening with these continues the earlier question ("og hvis det blir 3 år?")
    followup_openers: list[str] = Field(default_factory=list)
    # "(ikke kopimaskinen)", "not the copier": what follows is not what is bought
    negations: list[str] = Field(default_factory=list)
    # kept in the subject between the one who needs and the thing ("hjemmetjenesten trenger
    # sårbandasjer"): the search reads the words before it as who needs, not what
    need_words: list[str] = Field(default_factory=list)
    # A follow-up names a purchase of its own only with a need word or one of these ("vi skal også
    # kjøpe …"); otherwise it tells more about the earlier one ("Estimatet er 1,2 MNOK", "Det er 30
    # stoler à 5 200") and the earlier thing is still what is bought
    purchase_words: list[str] = Field(default_factory=list)
    # … and with one of these it replaces the earlier thing ("og hvis det i stedet er stoler til en barnehage?")
    instead_words: list[str] = Field(default_factory=list)
    rule0_min_score: float = Field(default=0.0, ge=0)
    # … or, for an agreement of the kind the question was read as, clear of the next candidate by
    # `rule0_margin`, at least this (None: off)
    rule0_kind_min_score: float | None = Field(default=None, ge=0)
    rule0_margin: float = Field(default=0.1, ge=0)
    # an agreement to rent (its title) is no call-off for owning the thing (see language.yaml)
    rental_agreement_words: list[str] = Field(default_factory=list)
    ownership_words: list[str] = Field(default_factory=list)
    renting_words: list[str] = Field(default_factory=list)
    # a monthly or weekly price for a contract about to be made (hiring, renting, a subscription):
    # its period is asked for; … unless the purchase is said to be going on already (summed over
    # 12 months, chapter 1)
    new_engagement_words: list[str] = Field(default_factory=list)
    ongoing_purchase_words: list[str] = Field(default_factory=list)

    @field_validator("kinds")
    @classmethod
    def _kinds(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for kind, words in value.items():
            if not words:
                raise ValueError(f"{kind}: no words")
            _check_patterns(words)
        return value

    def compiled(self, pattern: str) -> re.Pattern[str]:
        return compile_pattern(pattern)


@lru_cache(maxsize=4096)
def compile_pattern(pattern: str) -> re.Pattern[str]:
    """`word` inside a word, `^word` at a word start, `$word` at a word end (the head of a
    compound: "feiebil" ends in "bil"), `=word` whole word (see `Cue`), `re:…` a regular expression."""
    if pattern.startswith("re:"):
        return re.compile(pattern[3:])
    if pattern.startswith("$"):
        return re.compile(r"[\w-]*" + re.escape(pattern[1:]) + r"(?![\w])")
    if pattern.startswith("="):
        return re.compile(r"(?<![\w])" + re.escape(pattern[1:]) + r"(?![\w])")
    if pattern.startswith("^"):
        return re.compile(r"(?<![\w])" + re.escape(pattern[1:]) + r"[\w-]*")
    return re.compile(r"[\w-]*" + re.escape(pattern) + r"[\w-]*")


def load_matrix(path: str | Path = MATRIX_FILE) -> Matrix:
    return load_model(path, Matrix)


def load_language(path: str | Path = LANGUAGE_FILE, matrix: Matrix | None = None) -> Language:
    language = load_model(path, Language)
    matrix = matrix or load_matrix()
    problems = [f"kinds.{k}: not a kind of the matrix ({', '.join(matrix.kind_ids())})" for k in language.kinds if k not in matrix.kind_ids()]
    problems += [f"kinds: no words for kind '{k}'" for k in matrix.kind_ids() if k not in language.kinds]
    used_cues = {c for rule in matrix.cross_cutting for cond in rule.any_of for c in cond.cues or []}
    used_cues |= {o.cue for o in matrix.signer_overrides}
    problems += [f"taxonomy.flag_cues.{flag}: cue '{cue}' is not used by the matrix"
                 for flag, cue in language.taxonomy.flag_cues.items() if cue not in used_cues]
    problems += [f"taxonomy.kind_verbs.{k}: not a kind of the matrix" for k in language.taxonomy.kind_verbs
                 if k not in matrix.kind_ids()]
    from_taxonomy = set(language.taxonomy.flag_cues.values())  # given by the taxonomy's flags
    problems += [f"cues: the matrix uses cue '{c}' but it has no words here and no taxonomy flag gives it"
                 for c in sorted(used_cues - set(language.cues) - from_taxonomy)]
    if problems:
        raise KnowledgeError(f"{path}: " + "; ".join(problems))
    return language
