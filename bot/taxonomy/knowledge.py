"""The taxonomy of what Norwegian municipalities buy: `knowledge/taxonomy/`.

A few hundred generic *fields of purchase* (office supplies, pest control, snow clearing on
properties, support contact …), independent of any one agreement register. Each field has its
kind of purchase, its CPV codes and broad vocabulary in bokmål, nynorsk and English: items,
services, roles, trade names and the situations in which the need shows up ("det er maur i
personalrommet"). The agreement search links every register's agreements to these fields and a
question to the fields it is about; the authority answer takes the kind of purchase from them.

Files: `knowledge/taxonomy/fields/*.yaml` (one list of fields per file, grouped by domain),
`knowledge/taxonomy/cpv-nb.csv` (all CPV codes with bokmål and English labels, DFØ, CC BY 4.0)
and `knowledge/taxonomy/cpv-social-and-other-specific-services.csv`.

Validation (at load, so a bad edit fails at start-up and in the tests, naming file and field):
ids unique and snake_case; every field has a kind and at least one CPV code, each of which
exists in `cpv-nb.csv` (8 digits, or a prefix of 2–7 digits that some code starts with); a
field of kind `helse_og_sosial` has at least one code of the social and other specific services.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from agreements_sync.knowledge import KnowledgeError, knowledge_path, load_model

Kind = Literal["varer", "tjenester", "bygg_og_anlegg", "helse_og_sosial"]
KINDS: tuple[str, ...] = ("varer", "tjenester", "bygg_og_anlegg", "helse_og_sosial")
# What a field's purchase triggers in the authority matrix's cross-cutting requirements.
Flag = Literal["ethical_trade", "vehicle", "cleaning_service"]

FIELDS_DIR = "taxonomy/fields"
CPV_FILE = "taxonomy/cpv-nb.csv"
CPV_SOCIAL_FILE = "taxonomy/cpv-social-and-other-specific-services.csv"
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_CPV = re.compile(r"^\d{2,8}$")


class Names(BaseModel):
    model_config = ConfigDict(extra="forbid")
    nb: str = Field(min_length=2)
    nn: str = Field(min_length=2)
    en: str = Field(min_length=2)


class TaxonomyField(BaseModel):
    """One field of purchase."""

    model_config = ConfigDict(extra="forbid")

    id: str
    name: Names
    kind: Kind
    # Other kinds a purchase in this field can honestly be (a heat pump: the unit is goods, its
    # installation works). The authority answer asks only when the question does not say which.
    also: list[Kind] = Field(default_factory=list)
    cpv: list[str] = Field(min_length=1)
    flags: list[Flag] = Field(default_factory=list)
    terms: list[str] = Field(min_length=1)  # bokmål: items, services, roles, everyday words
    nn: list[str] = Field(default_factory=list)  # nynorsk forms
    en: list[str] = Field(default_factory=list)  # English
    brands: list[str] = Field(default_factory=list)  # trade names: Jif, Tork, Brio
    situations: list[str] = Field(default_factory=list)  # how the need shows up, any language
    # Look-alikes that belong to other fields ("toner" is not a printer): words or field ids.
    not_: list[str] = Field(default_factory=list, alias="not")
    # Fields whose agreements this need is usually bought through (flights are booked through the
    # travel agency): an agreement of such a field covers this one too, as a secondary field.
    via: list[str] = Field(default_factory=list)
    note: str = ""

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not _ID.match(value):
            raise ValueError(f"'{value}' must be snake_case (a-z, 0-9, _)")
        return value

    @field_validator("cpv")
    @classmethod
    def _cpv(cls, values: list[str]) -> list[str]:
        out = []
        for value in values:
            code = str(value).split("-")[0].strip()
            if not _CPV.match(code):
                raise ValueError(f"CPV '{value}' must be 2–8 digits (a code or a prefix of codes)")
            out.append(code)
        return out

    @property
    def vocabulary(self) -> list[str]:
        """Every word and phrase of the field (names included), in all languages."""
        return [self.name.nb, self.name.nn, self.name.en, *self.terms, *self.nn, *self.en, *self.brands]


class FieldsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    domain: str = ""
    fields: list[TaxonomyField]


@dataclass(frozen=True)
class CpvCode:
    code: str  # 8 digits, no check digit
    nb: str
    en: str


@dataclass(frozen=True)
class Taxonomy:
    fields: tuple[TaxonomyField, ...]
    cpv: dict[str, CpvCode]  # 8-digit code -> labels
    social_cpv: frozenset[str]  # 8-digit codes of the social and other specific services

    def field(self, field_id: str) -> TaxonomyField:
        for item in self.fields:
            if item.id == field_id:
                return item
        raise KeyError(field_id)

    @property
    def by_id(self) -> dict[str, TaxonomyField]:
        return {f.id: f for f in self.fields}


def normalise_cpv(value: str) -> str:
    """'45233141-9' → '45233141'; '4523' stays a prefix."""
    return str(value).split("-")[0].strip()


def cpv_prefix(code: str) -> str:
    """The significant part of an 8-digit code: '39130000' → '3913' (the level in the hierarchy)."""
    code = normalise_cpv(code)
    stripped = code.rstrip("0")
    return stripped if len(stripped) >= 2 else code[:2]


def read_cpv(path: Path) -> dict[str, CpvCode]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.DictReader(handle, delimiter=";"))
    except FileNotFoundError:
        raise KnowledgeError(f"{path}: CPV list not found") from None
    codes: dict[str, CpvCode] = {}
    for line, row in enumerate(rows, start=2):
        code = normalise_cpv(row.get("code") or "")
        if not re.fullmatch(r"\d{8}", code):
            raise KnowledgeError(f"{path}: line {line}: '{row.get('code')}' is not an 8-digit CPV code")
        codes[code] = CpvCode(code, (row.get("nb") or "").strip(), (row.get("en") or "").strip())
    return codes


def _check_cpv(where: str, value: str, codes: dict[str, CpvCode], prefixes: set[str]) -> None:
    if len(value) == 8:
        if value not in codes:
            raise KnowledgeError(f"{where}: CPV {value} is not in {CPV_FILE}")
    elif value not in prefixes:
        raise KnowledgeError(f"{where}: no CPV code in {CPV_FILE} starts with {value}")


def load_taxonomy_from(directory: Path, cpv: dict[str, CpvCode], social: frozenset[str]) -> Taxonomy:
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise KnowledgeError(f"{directory}: no taxonomy files (*.yaml)")
    prefixes = {code[:n] for code in cpv for n in range(2, 8)}
    seen: dict[str, str] = {}
    fields: list[TaxonomyField] = []
    for path in files:
        content = load_model(path, FieldsFile)
        for position, item in enumerate(content.fields):
            where = f"{path.relative_to(directory.parent.parent) if directory.parent.parent in path.parents else path}: fields[{position}] ({item.id})"
            if item.id in seen:
                raise KnowledgeError(f"{where}: id '{item.id}' already used in {seen[item.id]}")
            seen[item.id] = path.name
            for value in item.cpv:
                _check_cpv(where, value, cpv, prefixes)
            if item.kind in item.also:
                raise KnowledgeError(f"{where}: 'also' repeats the field's own kind {item.kind}")
            if item.kind == "helse_og_sosial" and not any(
                code.startswith(value) for value in item.cpv for code in social
            ):
                raise KnowledgeError(
                    f"{where}: kind helse_og_sosial needs a CPV code of the social and other specific services"
                )
            fields.append(item)
    for item in fields:
        unknown = [other for other in item.via if other not in seen or other == item.id]
        if unknown:
            raise KnowledgeError(f"{seen[item.id]}: {item.id}: 'via' names no other field: {', '.join(unknown)}")
    return Taxonomy(tuple(fields), cpv, social)


@lru_cache(maxsize=4)
def _load(directory: str, stamp: tuple[tuple[str, int], ...]) -> Taxonomy:  # stamp: re-read edited files
    cpv = read_cpv(knowledge_path(CPV_FILE))
    social = frozenset(read_cpv(knowledge_path(CPV_SOCIAL_FILE)))
    return load_taxonomy_from(Path(directory), cpv, social)


def load_taxonomy() -> Taxonomy:
    """The validated taxonomy (cached until a file changes)."""
    directory = knowledge_path(FIELDS_DIR)
    stamp = tuple(sorted((p.name, p.stat().st_mtime_ns) for p in directory.glob("*.yaml"))) if directory.is_dir() else ()
    return _load(str(directory), stamp)
