"""The register mapping: which source column holds which field and how its values read.

A mapping is a YAML file (`knowledge/register_mappings/*.yaml`), validated by `RegisterMapping`
through the one knowledge loader, so a municipality adapts the sync to its own export without
touching code. The format is documented in `docs/register-mapping.md`.
"""

from __future__ import annotations

import codecs
import datetime as dt
import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from agreements_sync.knowledge import knowledge_path, load_model

DEFAULT_MAPPING = "register_mappings/lorenskog.yaml"

# one separator, or several of which any splits (an export that writes lists in more than one way)
Separators = str | list[str]

# Every field a mapping may name a source column for, in the order of the index.
FIELDS: tuple[str, ...] = (
    "id",
    "title",
    "category",
    "description",
    "keywords",
    "suppliers",
    "org_numbers",
    "agreement_type",
    "contracting_party",
    "start_date",
    "end_date",
    "options",
    "final_end_date",
    "status",
    "owner_name",
    "owner_email",
    "adviser",
    "adviser_email",
    "ehandel",
    "ordering",
    "annual_value",
    "cpv_codes",
    "document_url",
    "supplier_rank",
)


def date_format_problem(fmt: str) -> str | None:
    """Why a strptime format cannot read a whole date (None: it can). Checked by writing two
    dates with the format and reading them back."""
    for day in (dt.date(2026, 11, 24), dt.date(2031, 3, 5)):
        try:
            back = dt.datetime.strptime(day.strftime(fmt), fmt).date()
        except ValueError as exc:
            return f"cannot be used ({exc}); use codes such as %d (day), %m (month), %Y (year), e.g. %d.%m.%Y"
        if back != day:
            return "does not hold a whole date: it needs a day (%d), a month (%m or %b) and a year (%Y or %y)"
    return None


def normalise(text: str) -> str:
    """Case- and whitespace-insensitive form used to compare headers and values."""
    return " ".join(str(text).replace("\u00a0", " ").split()).casefold()


OPEN_END_VALUES = ("until further notice", "inntil videre", "inntil vidare", "løpende", "løpande", "tidsubestemt",
                   "tidsubestemd", "ubestemt", "ingen sluttdato", "til oppsigelse", "til oppseiing", "open-ended",
                   "indefinite", "no end date", "until terminated")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Columns(_Strict):
    """Source column (header text) per field; leave a field out when the export lacks it."""

    id: str
    title: str
    category: str | None = None
    description: str | None = None
    keywords: str | None = None
    suppliers: str | None = None
    org_numbers: str | None = None
    agreement_type: str | None = None
    contracting_party: str | None = None
    start_date: str | None = None
    end_date: str | None = None
    options: str | None = None
    final_end_date: str | None = None
    status: str | None = None
    owner_name: str | None = None
    owner_email: str | None = None
    adviser: str | None = None
    adviser_email: str | None = None
    ehandel: str | None = None
    ordering: str | None = None
    annual_value: str | None = None
    cpv_codes: str | None = None
    document_url: str | None = None
    supplier_rank: str | None = None  # with parallel_rows: the supplier's rank (1 = first choice)

    def mapped(self) -> dict[str, str]:
        """field -> source column, for the fields the export has."""
        return {name: column for name in FIELDS if (column := getattr(self, name)) is not None}


class CsvOptions(_Strict):
    encoding: str = Field("auto", description="auto (UTF-8 with/without BOM, else Windows-1252) or a codec name")
    delimiter: str = Field("auto", description="auto (sniffed among ; , tab |) or the character")
    quoting: bool = Field(True, description='fields may be quoted with "; false: quote marks are text (an export '
                          "that never quotes)")
    stop_at_blank_row: bool = Field(False, description="the data ends at the first empty line after the headers "
                                    "(a footer below it is not read)")

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str) -> str:
        if value != "auto":
            try:
                codecs.lookup(value)
            except LookupError:
                raise ValueError(
                    f"unknown encoding {value!r}; use auto, or a name such as utf-8, cp1252, latin-1 or utf-16"
                ) from None
        return value

    @field_validator("delimiter")
    @classmethod
    def _one_char(cls, value: str) -> str:
        if value != "auto" and len(value.replace("\\t", "\t")) != 1:
            raise ValueError("must be 'auto' or a single character")
        return value.replace("\\t", "\t")


class XlsxOptions(_Strict):
    sheet: str | None = Field(None, description="sheet name; empty = the first sheet")
    header_row: int = Field(1, ge=1, description="row holding the column headers")
    stop_at_blank_row: bool = Field(False, description="the data ends at the first empty row after the headers "
                                    "(a footer or totals below it are not read)")


class NumberFormat(_Strict):
    decimal_separator: Literal[",", "."] = ","
    # characters that may separate thousands (space, no-break space, narrow no-break space, '.' or ',')
    thousands_separators: list[str] = Field(default_factory=lambda: [" ", "\u00a0", "\u202f", "."])
    # currency words and marks removed before parsing (case-insensitive)
    strip: list[str] = Field(default_factory=lambda: ["kroner", "kr.", "kr", "nok", ",-", ".-"])
    # words an export writes in an amount column for "there is no amount" ("Ikke relevant"): read
    # as no value, with a note (any other text that is not an amount is a row error)
    no_value_words: list[str] = Field(default_factory=lambda: [
        "ikke relevant", "ikkje relevant", "ikke aktuelt", "ikkje aktuelt", "ukjent", "ukjend", "ikke oppgitt",
        "ikkje oppgitt", "ikke registrert", "ikkje registrert", "ikke fastsatt", "ikkje fastsett", "not applicable",
        "n/a", "na", "unknown", "not known", "tbd", "-", "–", "—", "etter forbruk", "etter behov", "etter bruk",
        "by consumption", "as used"])


def _yaml_words(value: object) -> object:
    """Unquoted Yes/No/On/Off/True/False in YAML arrive as booleans and numbers as ints: read
    them back as the words they were."""
    if isinstance(value, list):
        words: list[object] = []
        for item in value:
            if item is True:
                words.extend(["yes", "true", "on"])
            elif item is False:
                words.extend(["no", "false", "off"])
            elif item is None:
                words.append("")
            elif isinstance(item, int | float):
                words.append(str(item))
            else:
                words.append(item)
        return words
    return value


class YesNo(_Strict):
    # ("yes"/"no" are not used as keys: YAML reads an unquoted yes/no key as a boolean)
    yes_values: list[str] = Field(default_factory=lambda: ["ja", "yes", "j", "y", "true", "1", "x"])
    no_values: list[str] = Field(default_factory=lambda: ["nei", "no", "n", "false", "0", ""])

    @field_validator("yes_values", "no_values", mode="before")
    @classmethod
    def _words(cls, value: object) -> object:
        return _yaml_words(value)


class StatusValues(_Strict):
    active: list[str] = Field(default_factory=list)
    expired: list[str] = Field(default_factory=list)
    under_competition: list[str] = Field(default_factory=list)
    not_started: list[str] = Field(default_factory=list)

    @field_validator("active", "expired", "under_competition", "not_started", mode="before")
    @classmethod
    def _words(cls, value: object) -> object:
        return _yaml_words(value)

    def lookup(self) -> dict[str, str]:
        table: dict[str, str] = {}
        for status in ("active", "expired", "under_competition", "not_started"):
            for value in getattr(self, status):
                table[normalise(value)] = status
        return table


def _matches(pattern: str, text: str, *, whole: bool) -> bool:
    """`text` matches a mapping's pattern: "re:" and a regular expression (searched, any case), or
    the words themselves, any case and spacing — the whole value, or (whole=False) how it starts."""
    if pattern.startswith("re:"):
        return re.search(pattern[3:], text.strip(), re.IGNORECASE) is not None
    text, pattern = normalise(text), normalise(pattern)
    return text == pattern if whole else text.startswith(pattern)


def _check_regex(value: str, label: str = "") -> None:
    """A "re:" value's regular expression compiles (else a mapping error naming it)."""
    if value.startswith("re:"):
        try:
            re.compile(value[3:])
        except re.error as exc:
            raise ValueError(f"{label}bad regular expression {value!r}: {exc}") from None


class PartyKinds(_Strict):
    """Contracting party -> kind. Names compare case-insensitively; `re:` prefixes a regex."""

    own: list[str] = Field(default_factory=list)
    cooperation: list[str] = Field(default_factory=list)
    state: list[str] = Field(default_factory=list)
    other_public: list[str] = Field(default_factory=list)
    default: Literal["own", "cooperation", "state", "other_public"] = "other_public"
    # the kind when the contracting party cell is empty
    empty: Literal["own", "cooperation", "state", "other_public"] = "own"

    @model_validator(mode="after")
    def _regexes_compile(self) -> PartyKinds:
        for kind in ("own", "cooperation", "state", "other_public"):
            for value in getattr(self, kind):
                _check_regex(value, f"{kind}: ")
        return self

    def kind_of(self, party: str) -> str:
        key = normalise(party)
        if not key:
            return self.empty
        for kind in ("own", "cooperation", "state", "other_public"):
            for value in getattr(self, kind):
                if value.startswith("re:"):
                    if re.search(value[3:], party, re.IGNORECASE):
                        return kind
                elif normalise(value) == key:
                    return kind
        return self.default


class RegisterMapping(_Strict):
    name: str = ""
    format: Literal["auto", "csv", "xlsx"] = "auto"
    csv: CsvOptions = Field(default_factory=CsvOptions)
    xlsx: XlsxOptions = Field(default_factory=XlsxOptions)
    columns: Columns
    # fields that must have a value in every row (besides id and title, always required)
    required: list[str] = Field(default_factory=list)
    # what to do with a source column the mapping does not name: ignore, or reject the file
    unknown_columns: Literal["ignore", "error"] = "ignore"
    status_values: StatusValues = Field(default_factory=StatusValues)
    # the status when the status cell is empty or the export has no status column
    default_status: Literal["active", "expired", "under_competition", "not_started"] = "active"
    yes_no: YesNo = Field(default_factory=YesNo)
    date_formats: list[str] = Field(default_factory=lambda: ["%d.%m.%Y", "%Y-%m-%d"])
    # read a whole number like 46234 in a date column as an Excel serial date
    excel_serial_dates: bool = True
    # words an export writes for an agreement without an end date ("Until further notice",
    # "Løpende"): read as no end date in the end-date columns, compared without case
    open_end_values: list[str] = Field(default_factory=lambda: list(OPEN_END_VALUES))
    number: NumberFormat = Field(default_factory=NumberFormat)
    # a separator, or a list of them when the export writes several suppliers in more than one
    # way ("A, B" in one row, "A / B" in another): any of them splits
    supplier_separator: Separators = "|"
    org_number_separator: Separators | None = Field(None, description="default: the supplier separator")
    # an organisation number is needed for each supplier named
    org_number_required: bool = True
    keyword_separator: Separators = ","
    cpv_separator: Separators = ","
    contracting_party_kinds: PartyKinds = Field(default_factory=PartyKinds)
    # columns whose text is added to the description (a "Notes" or "Merknad" column: "Erstattet av
    # NSK-2024-010", options used, what is not covered), in this order
    description_also: list[str] = Field(default_factory=list)
    # columns whose text is added to the title ("Delkontrakt": a lot's own name when the title is
    # the parent agreement's, the same for every lot), in this order, after " – "
    title_also: list[str] = Field(default_factory=list)
    # columns listing what the agreement does not cover ("Not included", "Unntak"): added to the
    # description as "Omfatter ikke …", which the search reads as exclusions
    description_excludes: list[str] = Field(default_factory=list)
    # a parallel agreement exported as one row per supplier, all with the same id: the rows are
    # one agreement (suppliers in rank order); its other cells must agree (an empty cell is filled
    # from another row of the agreement)
    parallel_rows: bool = False
    # group or heading rows inside the data ("▸ 05 Helse og omsorg (13 avtaler)"): a row whose id
    # cell matches one of these (a prefix, any case, or "re:" and a regular expression) and whose
    # other cells are all empty is skipped, with a note; with other cells filled it is read as usual
    heading_rows: list[str] = Field(default_factory=list)
    # with parallel_rows: a row with an empty id cell is a further row (another supplier) of the
    # nearest agreement row above it ("fortsettelsesrad": only supplier, org. no. and rank filled)
    continuation_rows: bool = False
    # rows that are not agreements one orders on, by a column's value: {"Avtaletype": ["Samleavtale"]}
    # (the parent row of lots that have rows of their own); compared without case, "re:" for a
    # regular expression; such rows are skipped with a note
    skip_rows: dict[str, list[str]] = Field(default_factory=dict)
    # a field whose cell is empty is read from another column: {"end_date": "Gyldig til"} with
    # end_date mapped to "Forlenget til" (the end date after an option, empty until one is used)
    when_empty: dict[str, str] = Field(default_factory=dict)

    @field_validator("heading_rows")
    @classmethod
    def _heading_patterns_compile(cls, value: list[str]) -> list[str]:
        for pattern in value:
            if not pattern.strip():
                raise ValueError('a heading-row pattern cannot be empty; write how the row starts, e.g. "▸"')
            _check_regex(pattern)
        return value

    @field_validator("skip_rows")
    @classmethod
    def _skip_patterns_compile(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for column, words in value.items():
            if not words:
                raise ValueError(f"skip_rows: list the values of {column!r} that mark a row to skip")
            for word in words:
                _check_regex(str(word))
        return value

    def skips(self, column: str, text: str) -> bool:
        """A row whose `column` holds `text` is not an agreement (`skip_rows`): the whole value, any case."""
        return any(_matches(word, text, whole=True) for word in self.skip_rows.get(column, []))

    def is_heading(self, text: str) -> bool:
        """The id cell of a group or heading row (`heading_rows`)."""
        return any(_matches(pattern, text, whole=False) for pattern in self.heading_rows)

    @field_validator("supplier_separator", "org_number_separator", "keyword_separator", "cpv_separator")
    @classmethod
    def _separator_not_empty(cls, value: Separators | None) -> Separators | None:
        if value is None:
            return value
        if isinstance(value, list) and not value:
            raise ValueError('list at least one separator, e.g. [",", "/"]')
        if any(not part for part in ([value] if isinstance(value, str) else value)):
            raise ValueError('a separator cannot be empty; write the character, e.g. "|" or ";"')
        return value

    @field_validator("date_formats")
    @classmethod
    def _formats_read_dates(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError('list at least one date format, e.g. ["%d.%m.%Y"]')
        for fmt in value:
            problem = date_format_problem(fmt)
            if problem:
                raise ValueError(f"the date format {fmt!r} {problem}")
        return value

    @field_validator("required")
    @classmethod
    def _known_fields(cls, value: list[str]) -> list[str]:
        unknown = [name for name in value if name not in FIELDS]
        if unknown:
            raise ValueError(f"unknown field(s) {', '.join(unknown)}; fields are: {', '.join(FIELDS)}")
        return value

    @model_validator(mode="after")
    def _required_are_mapped(self) -> RegisterMapping:
        mapped = self.columns.mapped()
        missing = [name for name in self.required if name not in mapped]
        if missing:
            raise ValueError(f"required field(s) {', '.join(missing)} have no source column in 'columns'")
        if "org_numbers" in mapped and "suppliers" not in mapped:
            raise ValueError("'org_numbers' needs a 'suppliers' column too")
        if self.continuation_rows and not self.parallel_rows:
            raise ValueError("'continuation_rows' is read only with parallel_rows: true (one row per supplier)")
        unknown = [name for name in self.when_empty if name not in mapped]
        if unknown:
            raise ValueError(f"when_empty: field(s) {', '.join(unknown)} have no source column in 'columns'")
        if "supplier_rank" in mapped and not self.parallel_rows:
            raise ValueError("'supplier_rank' is read only with parallel_rows: true (one row per supplier)")
        return self

    @property
    def required_fields(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(["id", "title", *self.required]))

    @property
    def org_separator(self) -> Separators:
        return self.org_number_separator or self.supplier_separator


def load_mapping(path: str | Path | None = None) -> RegisterMapping:
    """A mapping file (absolute, relative to the working directory, or to knowledge/);
    None = the shipped Lørenskog mapping. Raises KnowledgeError naming the file and field."""
    if path is None:
        return load_model(DEFAULT_MAPPING, RegisterMapping)
    candidate = Path(path)
    if not candidate.is_absolute():
        if candidate.exists():
            candidate = candidate.resolve()
        elif knowledge_path(str(path)).exists():
            candidate = knowledge_path(str(path))
        elif knowledge_path(f"register_mappings/{path}").exists():
            candidate = knowledge_path(f"register_mappings/{path}")
        else:
            candidate = candidate.resolve()
    return load_model(candidate, RegisterMapping)
