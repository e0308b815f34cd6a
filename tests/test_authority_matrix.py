"""The authority matrix as data: band edges, thresholds by date, signer, lead times, validation."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
import yaml

from agreements_sync.knowledge import KnowledgeError, knowledge_dir
from bot.authority import matrix as m
from bot.authority.knowledge import load_language, load_matrix

AS_OF = dt.date(2026, 11, 24)
KINDS = ["varer", "tjenester", "bygg_og_anlegg", "helse_og_sosial"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("value", "band"),
    [(0, "A"), (99_999, "A"), (100_000, "B"), (499_999, "B"), (500_000, "C"), (1_299_999, "C"), (1_300_000, "D")],
)
def test_common_band_edges(value: int, kind: str, band: str) -> None:
    assert m.band_for(value, kind, AS_OF) == band


@pytest.mark.parametrize(
    ("kind", "eea"), [("varer", 2_300_000), ("tjenester", 2_300_000), ("bygg_og_anlegg", 57_800_000), ("helse_og_sosial", 7_800_000)]
)
def test_eea_threshold_edge_per_kind(kind: str, eea: int) -> None:
    assert m.band_for(eea - 1, kind, AS_OF) == "D"
    assert m.band_for(eea, kind, AS_OF) == "E"


def test_older_eea_values_apply_before_their_replacement() -> None:
    # 2021: 2 050 000 (valid from 2020-02-12); 2023: 2 200 000; from 2024-03-14: 2 300 000
    assert m.band_for(2_050_000, "varer", dt.date(2021, 6, 1)) == "E"
    assert m.band_for(2_049_999, "varer", dt.date(2021, 6, 1)) == "D"
    assert m.band_for(2_200_000, "tjenester", dt.date(2023, 1, 1)) == "E"
    assert m.band_for(2_200_000, "tjenester", dt.date(2024, 3, 13)) == "E"
    assert m.band_for(2_200_000, "tjenester", dt.date(2024, 3, 14)) == "D"
    assert m.band_for(51_500_000, "bygg_og_anlegg", dt.date(2021, 6, 1)) == "E"
    assert m.band_for(51_500_000, "bygg_og_anlegg", AS_OF) == "D"
    assert m.band_for(7_200_000, "helse_og_sosial", dt.date(2021, 6, 1)) == "E"
    assert m.band_for(7_200_000, "helse_og_sosial", AS_OF) == "D"
    rows = {t.id: t for t in m.thresholds_in_force(dt.date(2021, 6, 1))}
    assert rows["eos_varer_tjenester"].value == 2_050_000
    assert rows["eos_varer_tjenester"].valid_from == dt.date(2020, 2, 12)
    assert rows["eos_varer_tjenester"].source == "FOA § 5-3"
    now = {t.id: t.value for t in m.thresholds_in_force(AS_OF)}
    assert now == {
        "nedre_grense": 100_000, "intern_grense": 500_000, "nasjonal_terskel": 1_300_000,
        "eos_varer_tjenester": 2_300_000, "eos_bygg_og_anlegg": 57_800_000, "eos_helse_og_sosial": 7_800_000,
        "skatteattest": 500_000,
    }


def test_signer_limit_is_five_million_inclusive() -> None:
    assert m.signer_for("D", 5_000_000) == "kommunalsjef"
    assert m.signer_for("D", 5_000_001) == "kommunedirektor"
    assert m.signer_for("E", 5_000_000) == "kommunalsjef"
    assert m.signer_for("E", 60_000_000) == "kommunedirektor"
    assert m.signer_for("A", 50_000) == "enhetsleder"
    assert m.signer_for("C", 900_000) == "kommunalsjef"


def test_call_off_approver_rows() -> None:
    assert m.call_off_approver(99_999) == "ansatt_med_bestillingsfullmakt"
    assert m.call_off_approver(100_000) == "enhetsleder"
    assert m.call_off_approver(499_999) == "enhetsleder"
    assert m.call_off_approver(500_000) == "kommunalsjef"


def test_lead_times_and_option_notice() -> None:
    assert m.lead_time("B") == m.LeadTime(1, 4)
    assert m.lead_time("C") == m.LeadTime(2, 5)
    assert m.lead_time("D") == m.LeadTime(4, 7)
    assert m.lead_time("E") == m.LeadTime(6, 9)
    assert m.lead_time("A") is None
    assert m.option_notice_months() == 3
    with pytest.raises(ValueError):
        m.lead_time("Z")


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown kind"):
        m.band_for(10, "mat", AS_OF)


# ---- validation of edited data ---------------------------------------------------------------


@pytest.fixture
def knowledge_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(knowledge_dir(), target)
    monkeypatch.setenv("INNKJOPSBOT_KNOWLEDGE_DIR", str(target))
    return target / "authority" / "matrix.yaml"


def _edit(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_a_threshold_change_is_a_data_edit(knowledge_copy: Path) -> None:
    def raise_lower_limit(data: dict) -> None:
        data["thresholds"].insert(1, {"id": "nedre_grense", "name": {"nb": "Nedre grense", "en": "Lower limit"},
                                      "value": 300_000, "valid_from": "2027-01-01", "source": "test"})
    _edit(knowledge_copy, raise_lower_limit)
    assert m.band_for(200_000, "varer", dt.date(2026, 12, 31)) == "B"
    assert m.band_for(200_000, "varer", dt.date(2027, 1, 1)) == "A"


def test_who_approves_outside_agreements_is_a_data_edit(knowledge_copy: Path) -> None:
    from bot.authority import analyse

    question = "Vi skal kjøpe møbler for 300 000. Hvem må godkjenne?"
    assert analyse(question, dt.date(2026, 11, 24)).approver == "enhetsleder"
    _edit(knowledge_copy, lambda d: d.update(approval_outside_agreements="none"))
    result = analyse(question, dt.date(2026, 11, 24))
    assert (result.band, result.signer, result.approver) == ("B", "enhetsleder", None)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["bands"][2].update(performed_by="innkjopssjef"), "bands.2 (C).performed_by: unknown role 'innkjopssjef'"),
        (lambda d: d["bands"][3]["signer"].__setitem__(0, {"role": "kommunalsjef"}), "signer.0: every row but the last needs max_value_incl"),
        (lambda d: d["thresholds"][3].update(valid_from="2023-01-01"), "thresholds.4.valid_from: rows of 'eos_varer_tjenester' must be in date order"),
        (lambda d: d["thresholds"][2].update(value=90_000), "bands must not overlap"),
        (lambda d: d["thresholds"][0].update(value="hundre tusen"), "thresholds.0.value"),
        (lambda d: d["bands"][4]["lower_threshold_by_kind"].pop("helse_og_sosial"), "no threshold for kind helse_og_sosial"),
        (lambda d: d["bands"][1].update(requirements=["protokoll", "tre_tilbud"]), "unknown requirement 'tre_tilbud'"),
        (lambda d: d["call_off"]["approval"].reverse(), "call_off.approval"),
        (lambda d: d["lead_times"]["bands"][0].update(start_months_before_expiry=5), "lead_times: Value error, bands.0 (B): start_months_before_expiry 5"),
        (lambda d: d["roles"].pop(), "unknown role 'enheten'"),
        (lambda d: d.pop("contact"), "contact: Field required"),
        (lambda d: d.update(approval_outside_agreements="kommunalsjef"), "approval_outside_agreements"),
    ],
)
def test_broken_matrix_is_refused_naming_file_and_field(knowledge_copy: Path, change, message: str) -> None:
    _edit(knowledge_copy, change)
    with pytest.raises(KnowledgeError) as error:
        load_matrix()
    assert "authority/matrix.yaml" in str(error.value)
    assert message in str(error.value)


def test_missing_matrix_file_is_named(knowledge_copy: Path) -> None:
    knowledge_copy.unlink()
    with pytest.raises(KnowledgeError, match="matrix.yaml: knowledge file not found"):
        m.matrix()


def test_shipped_knowledge_is_valid() -> None:
    matrix = load_matrix()
    assert [b.id for b in matrix.bands] == ["A", "B", "C", "D", "E"]
    assert {r.id for r in matrix.roles} == {
        "ansatt_med_bestillingsfullmakt", "enhetsleder", "kommunalsjef", "organisasjonsdirektor",
        "kommunedirektor", "innkjopsseksjonen", "enheten",
    }
    load_language(matrix=matrix)
