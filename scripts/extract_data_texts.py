"""Write the gettext template of the knowledge files' bokmål texts (the authority matrix):
knowledge/locale/authority-matrix.pot, one msgid per distinct text. Then `make translations`
carries new or changed texts into the nynorsk catalog, where they wait for a translator
(tests/test_i18n.py fails until every text is translated).

    .venv/bin/python scripts/extract_data_texts.py
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po
from pydantic import BaseModel

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from agreements_sync.i18n import template_path  # noqa: E402 - after the path above
from bot.authority.knowledge import MATRIX_TEXTS, Text, load_matrix  # noqa: E402


def matrix_texts() -> list[str]:
    """Every bokmål text of the authority matrix, in file order, each once."""
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, Text):
            if value.nb not in found:
                found.append(value.nb)
        elif isinstance(value, BaseModel):
            for name in type(value).model_fields:
                walk(getattr(value, name))
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)

    walk(load_matrix())
    return found


def main() -> None:
    catalog = Catalog(domain=MATRIX_TEXTS, project="Innkjøpsbot", version="1", copyright_holder="Lørenskog kommune",
                      creation_date=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
                      header_comment="# Innkjøpsbot: the authority matrix's texts (knowledge/authority/matrix.yaml).\n"
                                     "# msgid is the bokmål text as the matrix has it; written by scripts/extract_data_texts.py.")
    for text in matrix_texts():
        catalog.add(text)
    with open(template_path(MATRIX_TEXTS), "wb") as handle:
        write_po(handle, catalog, width=100, sort_output=False)
    print(f"{template_path(MATRIX_TEXTS)}: {len(catalog)} texts")


if __name__ == "__main__":
    main()
