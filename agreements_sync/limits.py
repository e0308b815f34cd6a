"""Every limit on what the product reads and writes, in one place.

The register export is input the bot does not control: a broken or hostile export must end in a
clear refusal, fast and in bounded memory, never in a hang, a crash or silently wrong data. The
sync (`agreements_sync`) reads its limits from a `Limits` value (tests and the benchmarks pass
smaller ones); the search index and the cards (`bot`) read the constants below. `bot` may import
this module; `agreements_sync` never imports `bot`, so the limits live here.
"""

from __future__ import annotations

from dataclasses import dataclass

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Limits of one sync run. The defaults are far above any real register (Lørenskog: 130
    agreements, 60 KB) and far below what would hurt the server."""

    # --- the source ---------------------------------------------------------------------------
    max_export_bytes: int = 200 * MB  # a file or a download larger than this is refused
    download_seconds: float = 120.0  # total deadline for a URL source: connecting, redirects, every byte
    max_redirects: int = 5  # each hop is checked against the URL policy (agreements_sync.urls)
    # XLSX is a zip: refused before it is opened when it would unpack to more than this, or when
    # a part is compressed more than `max_xlsx_ratio` : 1 (real sheets are 5–20 : 1; a zip bomb ~1000 : 1)
    max_xlsx_unpacked_bytes: int = 256 * MB
    max_xlsx_ratio: int = 200
    max_xlsx_parts: int = 10_000

    # --- the table ------------------------------------------------------------------------------
    max_rows: int = 1_000_000  # data rows; more is refused (100 000 agreements sync in ~15 s)
    max_columns: int = 1_000  # columns of the header row that are read
    max_line_chars: int = 1_000_000  # one physical CSV line (bounds the cells of a row); a CSV
    # cell is at most 131 072 characters (Python's csv module), text fields far less (below)

    # --- what is kept of the problems --------------------------------------------------------------
    max_errors_kept: int = 1_000  # row errors kept (with line, column, reason); the rest are counted


DEFAULT_LIMITS = Limits()


def human_size(size: int) -> str:
    """"200 MB", "10 KB": sizes in messages (rounded up, so a size over a limit never reads as equal)."""
    if size >= MB:
        return f"{-(-size // MB)} MB"
    return f"{-(-size // 1024)} KB"

# Longest text the index stores per field (characters, after cleaning). Longer is a row error
# naming the line and column. Fields with a column width in the schema (category, owner …) are
# limited by that width too (agreements_sync.validate takes the smaller).
TEXT_FIELD_CHARS: dict[str, int] = {
    "id": 64,
    "title": 300,
    "description": 10_000,
    "ordering": 2_000,
    "document_url": 2_000,
    "keywords": 2_000,  # the whole cell
    "cpv_codes": 2_000,  # the whole cell
    "suppliers": 300,  # one supplier's name
}

# A knowledge file (a mapping, the matrix, the taxonomy …): the largest shipped one is ~0.6 MB.
MAX_KNOWLEDGE_FILE_BYTES = 20 * MB

# --- the search index (bot/search/text.py) ------------------------------------------------------
# A "word" longer than this is not a word (the longest in the register and the taxonomy is 34
# characters): it is not indexed, and compounds are split only up to this length. Splitting is
# quadratic in the word's length, so an unbounded word cost 2 GB at 30 000 characters.
MAX_WORD_CHARS = 64

# --- Teams cards (bot/card_safety.py) -------------------------------------------------------------
# Teams refuses a card over about 28 KB; the bot keeps well below.
MAX_CARD_BYTES = 24_000
MAX_CARD_TEXT_CHARS = 2_000  # one TextBlock
MAX_CARD_FACT_CHARS = 500  # one FactSet value
MAX_ANSWER_TEXT_CHARS = 4_000  # the plain-text answer (also the card's fallback text)

# --- what a Teams activity may carry (bot/teams/server.py, at the HTTP edge) ---------------------
# Ids are refused (HTTP 400) when longer than the column that stores them: cutting an id would
# make it someone else's. Names are display text: cut. Real Teams ids are far shorter (an Entra
# object id is 36 characters, a conversation id ~150).
ACTIVITY_ID_CHARS: dict[str, int] = {
    "conversation.id": 300,
    "conversation.tenantId": 64,
    "from.id": 200,
    "from.aadObjectId": 64,
    "recipient.id": 200,
    "channelData.team.id": 300,
    "channelData.tenant.id": 64,
    "serviceUrl": 2_000,
    "replyToId": 200,
    "locale": 64,
}
MAX_ROW_ID = 2**31 - 1  # a row id from outside (a button, a URL) above this is no row (32-bit on PostgreSQL)
MAX_NAME_CHARS = 200  # from.name / recipient.name / a member's name: cut to this
MAX_EMAIL_CHARS = 320  # the longest e-mail address (RFC 5321); a longer one from a member lookup is ignored

# --- questions and card-action data (bot/conversation) ---------------------------------------------
# A question is cut at this many characters, whether typed (chat, compose box) or carried by a
# button's data (authority.start, ask, search.query …): nobody asks more, and the analysis of a
# longer text only costs time.
MAX_QUESTION_CHARS = 1_000
# A button's data (Action.Execute / Action.Submit value) is bounded once, where it enters
# (bot.conversation.card_actions.bounded_data): each text at most MAX_ACTION_TEXT_CHARS (the
# longest input a card collects: an announcement's text), at most MAX_ACTION_ITEMS entries per
# object or list, nested at most MAX_ACTION_DEPTH deep. Questions in it are then cut like chat text.
MAX_ACTION_TEXT_CHARS = 4_000
MAX_ACTION_ITEMS = 50
MAX_ACTION_DEPTH = 4

__all__ = [
    "ACTIVITY_ID_CHARS", "MAX_EMAIL_CHARS", "MAX_ROW_ID", "MAX_ACTION_DEPTH", "MAX_ACTION_ITEMS", "MAX_ACTION_TEXT_CHARS", "MAX_NAME_CHARS", "MAX_QUESTION_CHARS",
    "DEFAULT_LIMITS", "Limits", "MAX_ANSWER_TEXT_CHARS", "MAX_KNOWLEDGE_FILE_BYTES", "MB", "MAX_CARD_BYTES", "MAX_CARD_FACT_CHARS",
    "MAX_CARD_TEXT_CHARS", "MAX_WORD_CHARS", "TEXT_FIELD_CHARS", "human_size",
]
