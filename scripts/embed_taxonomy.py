"""Renew knowledge/taxonomy/field-vectors.npz: the taxonomy's texts embedded by the semantic model.

Run after the taxonomy changes (`make field-vectors`). Texts whose vector is already in the file
keep it; only new or changed texts are embedded (about 25 ms each), and texts no longer in the
taxonomy are dropped. Without a renewal the bot still works: it embeds what the file lacks in the
background at start and caches it in the database.
"""

from __future__ import annotations

import os
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

from bot.search.semantic import FieldVectors
from bot.taxonomy.knowledge import load_taxonomy


def main() -> int:
    vectors = FieldVectors(load_taxonomy().fields)
    kept = vectors.load_shipped()
    started = time.monotonic()
    made = vectors.fill(None)
    vectors.save()
    print(f"field vectors: {len(vectors.texts)} texts, {kept} kept, {made} embedded in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
