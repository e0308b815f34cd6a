"""Agreement search: "which framework agreement covers X?".

    service = SearchService(database)            # in-memory index, rebuilt in the background
    result = service.search("rotter i kjelleren", as_of=date(2026, 11, 24))
    answer = bot.search.render.search_answer(result, "nb", as_of)

Modules: `text` (normalising Norwegian/English words), `vocabulary` (knowledge/search/*),
`index` (building the index from plain agreements), `engine` (answering one question),
`service` (the index kept in step with the database), `render` (text + Adaptive Card).
"""

from bot.search.models import AgreementDoc, Hit, Reason, SearchResult, Supplier, doc_from
from bot.search.service import SearchService

__all__ = ["AgreementDoc", "Hit", "Reason", "SearchResult", "SearchService", "Supplier", "doc_from"]
