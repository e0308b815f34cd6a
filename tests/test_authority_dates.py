"""A date in the question: the thresholds in force then apply."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.authority import analyse
from bot.authority.dates import find_date
from bot.authority.parse import language, normalise
from tests.conftest import AS_OF


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("et kjøp vi gjorde i juni 2023", dt.date(2023, 6, 1)),
        ("eit kjøp vi gjorde i juni 2023", dt.date(2023, 6, 1)),
        ("a purchase we made in June 2023", dt.date(2023, 6, 1)),
        ("kontrakten ble signert 15.03.2022", dt.date(2022, 3, 15)),
        ("signed on 2021-02-01", dt.date(2021, 2, 1)),
        ("vi kjøpte dette våren 2022", dt.date(2022, 4, 1)),
        ("vi kjøpte dette i 2021", dt.date(2021, 7, 1)),
        ("vi kjøpte dette i fjor", dt.date(2025, 7, 1)),
    ],
)
def test_past_dates(text: str, day: dt.date) -> None:
    assert find_date(normalise(text), AS_OF, language())[0] == day


@pytest.mark.parametrize(
    "text",
    ["i 2027 skal vi kjøpe møbler", "avtalen utløper i juni 2023, hva gjør vi nå?", "kontrakt fra 01.03.2027",
     "vi skal kjøpe 20 stoler"],
)
def test_no_past_purchase_date(text: str) -> None:
    assert find_date(normalise(text), AS_OF, language()) is None


def test_thresholds_in_force_on_the_date_of_the_purchase() -> None:
    # 2 250 000 of goods: band E under the 2 200 000 EEA threshold of 2022, band D under today's 2 300 000
    then = analyse("et varekjøp av møbler vi gjorde i juni 2023 for 2 250 000 kr", AS_OF)
    now = analyse("varekjøp av møbler for 2 250 000 kr", AS_OF)
    assert (then.band, then.as_of, now.band) == ("E", dt.date(2023, 6, 1), "D")
    assert {t.id: t.value for t in then.thresholds_used}["eos_varer_tjenester"] == 2_200_000
    older = analyse("a purchase of furniture (varer) we made in March 2021 for NOK 2,100,000", AS_OF)
    assert older.band == "E"  # 2 050 000 then
