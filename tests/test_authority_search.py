"""Rule 0 through the real agreement search over the reference register."""

from __future__ import annotations

from agreements_sync.sync import sync_export
from bot.authority import analyse
from bot.search.service import SearchService
from tests.conftest import AS_OF


def _search_service(database, reference_register):
    sync_export(database.engine, reference_register, as_of=AS_OF)
    return SearchService(database)


def test_rule0_with_the_real_search(database, reference_register) -> None:
    service = _search_service(database, reference_register)

    def find(text, as_of):
        return service.search(text, as_of, limit=3)

    lifts = analyse("må vi kunngjøre vedlikehold av heisene, 1,8 mill over fire år?", AS_OF, find_agreements=find)
    assert lifts.search == "used"
    assert (lifts.framework_agreement, lifts.band, lifts.approver) == (["LK-2022-013"], None, "kommunalsjef")
    nothing = analyse("Vi skal bruke ca 400 000 kr, hvilke regler gjelder?", AS_OF, find_agreements=find)
    assert nothing.missing == ["kind"] and nothing.search == "skipped"
