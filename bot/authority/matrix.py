"""Matrix helpers on plain values: which band, which thresholds, lead times, option notice.

Everything comes from `knowledge/authority/matrix.yaml` (validated at load); nothing of the
matrix is written here. The matrix is re-read when the file changes (the loader keys its cache
on the file's modification time).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from agreements_sync.knowledge import KnowledgeError, knowledge_path, load_yaml
from bot.authority.knowledge import MATRIX_FILE, Band, Matrix, Threshold, load_matrix

_cache: dict[tuple[str, int], Matrix] = {}


def matrix() -> Matrix:
    """The validated matrix (cached until the file or INNKJOPSBOT_KNOWLEDGE_DIR changes)."""
    path = knowledge_path(MATRIX_FILE)
    try:
        key = (str(path), path.stat().st_mtime_ns)
    except FileNotFoundError:
        load_yaml(MATRIX_FILE)  # raises KnowledgeError naming the file
        raise
    if key not in _cache:
        _cache.clear()
        _cache[key] = load_matrix()
    return _cache[key]


@dataclass(frozen=True)
class LeadTime:
    competition_months: int
    start_months_before_expiry: int


@dataclass(frozen=True)
class ThresholdInForce:
    id: str
    name_nb: str
    name_en: str
    value: int
    valid_from: dt.date
    source: str

    @classmethod
    def of(cls, row: Threshold) -> ThresholdInForce:
        return cls(row.id, row.name.nb, row.name.en, row.value, row.valid_from, row.source)

    def to_json(self) -> dict:
        return {"id": self.id, "name": self.name_nb, "value": self.value,
                "valid_from": self.valid_from.isoformat(), "source": self.source}


def _check_kind(m: Matrix, kind: str) -> None:
    if kind not in m.kind_ids():
        raise ValueError(f"unknown kind '{kind}' (one of {', '.join(m.kind_ids())})")


def band_of(value_nok_excl_vat: int, kind: str, as_of: dt.date) -> tuple[Band, Threshold | None]:
    """The band and the threshold row where it starts (None for the first band)."""
    if value_nok_excl_vat < 0:
        raise ValueError("a value cannot be negative")
    m = matrix()
    _check_kind(m, kind)
    chosen: tuple[Band, Threshold | None] = (m.bands[0], None)
    for band in m.bands[1:]:
        lower = m.band_lower(band, kind, as_of)
        if lower is not None and value_nok_excl_vat < lower.value:
            break  # the bands rise: a higher band's threshold (perhaps not known for an early date) is not needed
        if lower is not None:
            chosen = (band, lower)
    return chosen


def band_for(value_nok_excl_vat: int, kind: str, as_of: dt.date) -> str:
    """The band id (A–E) of a purchase without a framework agreement."""
    return band_of(value_nok_excl_vat, kind, as_of)[0].id


def band_thresholds(kind: str, as_of: dt.date) -> list[tuple[str, ThresholdInForce | None]]:
    """Each band with the threshold row it starts at for `kind` on `as_of`."""
    m = matrix()
    _check_kind(m, kind)
    out: list[tuple[str, ThresholdInForce | None]] = []
    for band in m.bands:
        lower = m.band_lower(band, kind, as_of)
        out.append((band.id, ThresholdInForce.of(lower) if lower else None))
    return out


def signer_for(band_id: str, value_nok_excl_vat: int) -> str:
    """The role that signs the contract of a band, for this value."""
    for row in matrix().band(band_id).signer:
        if row.max_value_incl is None or value_nok_excl_vat <= row.max_value_incl:
            return row.role
    raise KnowledgeError(f"{MATRIX_FILE}: bands.{band_id}.signer has no row for {value_nok_excl_vat}")


def call_off_approver(value_nok_excl_vat: int) -> str:
    """Rule 0: who approves a call-off of this value on an active framework agreement."""
    role = matrix().call_off.approval[0].role
    for row in matrix().call_off.approval:
        if value_nok_excl_vat >= row.from_value:
            role = row.role
    return role


def lead_time(band: str) -> LeadTime | None:
    """How long the competition for a band takes and when it must start; None if the matrix has none (A)."""
    for row in matrix().lead_times.bands:
        if row.band == band:
            return LeadTime(row.competition_months, row.start_months_before_expiry)
    if band not in {b.id for b in matrix().bands}:
        raise ValueError(f"unknown band '{band}'")
    return None


def option_notice_months() -> int:
    """Months before the current end date by which the agreement owner must decide on an option."""
    return matrix().lead_times.option_notice_months


def needs_assessment_months() -> int:
    return matrix().lead_times.needs_assessment_months


def thresholds_in_force(as_of: dt.date) -> list[ThresholdInForce]:
    """Every threshold id with the row in force on `as_of` (ids with no row yet are left out)."""
    m = matrix()
    out: list[ThresholdInForce] = []
    for tid in dict.fromkeys(t.id for t in m.thresholds):
        row = m.threshold(tid, as_of)
        if row is not None:
            out.append(ThresholdInForce.of(row))
    return out


def threshold_in_force(threshold_id: str, as_of: dt.date) -> ThresholdInForce | None:
    row = matrix().threshold(threshold_id, as_of)
    return ThresholdInForce.of(row) if row else None
