"""Plain values in and out of the search: the agreement as the index sees it, and results."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Supplier:
    name: str
    org_number: str = ""


@dataclass(frozen=True)
class AgreementDoc:
    """One agreement as the search index needs it (built from the sync's AgreementRecord,
    a database row or a test literal by `doc_from`)."""

    id: str
    title: str
    category: str = ""
    description: str = ""
    keywords: tuple[str, ...] = ()
    suppliers: tuple[Supplier, ...] = ()
    cpv_codes: tuple[str, ...] = ()
    status: str = "active"
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    final_end_date: dt.date | None = None
    options: str = ""
    agreement_type: str = ""
    contracting_party: str = ""
    owner_name: str = ""
    owner_email: str = ""
    adviser: str = ""
    adviser_email: str = ""
    ehandel: bool = False
    ehandel_note: str = ""
    ordering: str = ""
    document_url: str = ""
    ranked: bool = False  # the register ranks the suppliers (their order is the ranking)
    annual_value: float | None = None  # the register's estimated value per year (NOK), when it has one


def _get(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _supplier(value: Any) -> Supplier:
    if isinstance(value, Supplier):
        return value
    if isinstance(value, str):
        return Supplier(value)
    if isinstance(value, tuple | list):
        return Supplier(str(value[0]), str(value[1]) if len(value) > 1 else "")
    return Supplier(str(_get(value, "name", "")), str(_get(value, "org_number", "") or ""))


def doc_from(obj: Any, suppliers: Any = None) -> AgreementDoc:
    """An `AgreementDoc` from anything with the agreement's attribute names (record, row, dict)."""
    if isinstance(obj, AgreementDoc):
        return obj
    status = _get(obj, "status", "active")
    status = getattr(status, "value", status) or "active"
    keywords = _get(obj, "keywords", ()) or ()
    if isinstance(keywords, str):
        keywords = [k.strip() for k in keywords.split(",") if k.strip()]
    cpv = _get(obj, "cpv_codes", ()) or ()
    if isinstance(cpv, str):
        cpv = [c.strip() for c in cpv.replace("|", ",").split(",") if c.strip()]
    supplier_values = suppliers if suppliers is not None else (_get(obj, "suppliers", ()) or ())
    return AgreementDoc(
        id=str(_get(obj, "id")),
        title=str(_get(obj, "title", "") or ""),
        category=str(_get(obj, "category", "") or ""),
        description=str(_get(obj, "description", "") or ""),
        keywords=tuple(str(k) for k in keywords),
        suppliers=tuple(_supplier(s) for s in supplier_values),
        cpv_codes=tuple(str(c) for c in cpv),
        status=str(status),
        start_date=_get(obj, "start_date"),
        end_date=_get(obj, "end_date"),
        final_end_date=_get(obj, "final_end_date"),
        options=str(_get(obj, "options", "") or ""),
        agreement_type=str(_get(obj, "agreement_type", "") or ""),
        contracting_party=str(_get(obj, "contracting_party", "") or ""),
        owner_name=str(_get(obj, "owner_name", "") or ""),
        owner_email=str(_get(obj, "owner_email", "") or ""),
        adviser=str(_get(obj, "adviser", "") or ""),
        adviser_email=str(_get(obj, "adviser_email", "") or ""),
        ehandel=bool(_get(obj, "ehandel", False)),
        ehandel_note=str(_get(obj, "ehandel_note", "") or ""),
        ordering=str(_get(obj, "ordering", "") or ""),
        document_url=str(_get(obj, "document_url", "") or ""),
        ranked=bool(_get(obj, "ranked", False)),
        annual_value=_amount(_get(obj, "annual_value")),
    )


def _amount(value: Any) -> float | None:
    try:
        number = float(value) if value is not None and value != "" else None
    except (TypeError, ValueError):
        return None
    return number if number is not None and number > 0 and number == number else None


@dataclass
class Reason:
    """Why an agreement matched: the question's word, the agreement's word, where, and how."""

    query: str
    matched: str
    field: str  # title | keywords | category | description | suppliers | cpv
    via: str  # literal | spelling | compound | fuzzy | vocabulary


@dataclass
class Hit:
    """An agreement as the answer shows it."""

    id: str
    title: str
    category: str
    status: str
    suppliers: list[dict[str, str]]
    start_date: dt.date | None
    end_date: dt.date | None
    final_end_date: dt.date | None
    options: str
    agreement_type: str
    contracting_party: str
    ehandel: bool
    ehandel_note: str
    ordering: str
    owner_name: str
    owner_email: str
    adviser: str
    adviser_email: str
    document_url: str
    description: str
    score: float
    reasons: list[Reason] = field(default_factory=list)
    replaces: str = ""  # the expired agreement this one replaced, when the question matched that one
    instead_of: str = ""  # the agreement that excludes what was asked and sends it here ("(se catering)")
    scope: str = ""  # what the agreement covers: its description without the exclusions
    excludes: list[str] = field(default_factory=list)  # what its description says it does not cover
    ranked: bool = False  # the suppliers are listed in the register's ranking order
    ends_soon: dict[str, Any] | None = None  # {"end": date, "successor": id|None, "under_competition": id|None}
    annual_value: float | None = None  # the register's estimated value per year (NOK)
    kind: str = ""  # the kind of purchase of its strongest field of purchase (taxonomy), "" if none

    @classmethod
    def from_doc(cls, doc: AgreementDoc, status: str, score: float, reasons: list[Reason]) -> Hit:
        return cls(
            id=doc.id, title=doc.title, category=doc.category, status=status,
            suppliers=[{"name": s.name, "org_number": s.org_number} for s in doc.suppliers],
            start_date=doc.start_date, end_date=doc.end_date, final_end_date=doc.final_end_date,
            options=doc.options, agreement_type=doc.agreement_type, contracting_party=doc.contracting_party,
            ehandel=doc.ehandel, ehandel_note=doc.ehandel_note, ordering=doc.ordering,
            owner_name=doc.owner_name, owner_email=doc.owner_email, adviser=doc.adviser,
            adviser_email=doc.adviser_email, document_url=doc.document_url, description=doc.description,
            score=round(score, 4), reasons=reasons, annual_value=doc.annual_value,
        )

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("start_date", "end_date", "final_end_date"):
            data[key] = data[key].isoformat() if data[key] else None
        return data


@dataclass
class SearchResult:
    query: str
    as_of: dt.date
    hits: list[Hit] = field(default_factory=list)
    no_active_agreement: bool = False
    inactive_matches: list[Hit] = field(default_factory=list)
    parallel: list[list[str]] = field(default_factory=list)  # ids of hits presented together
    excluded: list[str] = field(default_factory=list)  # ids whose description excludes the need, or whose title limits them to another setting
    terms: list[str] = field(default_factory=list)  # the question's words as the search read them
    fields: list[dict[str, Any]] = field(default_factory=list)  # the question's fields of purchase (taxonomy)
    index_version: int | None = None
    answer: str = "unknown"  # agreement | candidates | none | unknown (bot.search.decide)
    why: list[str] = field(default_factory=list)  # reasons for that kind of answer
    understood: float = 0.0  # share of the question's weight the register or the taxonomy knows
    taught: dict[str, Any] | None = None  # a taught question that means the same (bot.search.learning)

    @property
    def ids(self) -> list[str]:
        return [h.id for h in self.hits]

    @property
    def under_competition(self) -> list[Hit]:
        return [h for h in self.inactive_matches if h.status == "under_competition"]

    def to_json(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "as_of": self.as_of.isoformat(),
            "answer": self.answer,
            "why": self.why,
            "understood": self.understood,
            "taught": self.taught,
            "ids": self.ids,
            "no_active_agreement": self.no_active_agreement,
            "hits": [h.to_json() for h in self.hits],
            "inactive_matches": [h.to_json() for h in self.inactive_matches],
            "parallel": self.parallel,
            "excluded": self.excluded,
            "terms": self.terms,
            "fields": self.fields,
            "index_version": self.index_version,
        }
