"""Validate knowledge/taxonomy/ and print a summary: python scripts/check_taxonomy.py [--fields]."""

from __future__ import annotations

import collections
import sys

from agreements_sync.knowledge import KnowledgeError
from bot.taxonomy.knowledge import load_taxonomy


def main() -> int:
    try:
        taxonomy = load_taxonomy()
    except KnowledgeError as exc:
        print(f"INVALID: {exc}", file=sys.stderr)
        return 1
    kinds = collections.Counter(f.kind for f in taxonomy.fields)
    counts = collections.Counter()
    for f in taxonomy.fields:
        counts["terms (nb)"] += len(f.terms)
        counts["nn"] += len(f.nn)
        counts["en"] += len(f.en)
        counts["brands"] += len(f.brands)
        counts["situations"] += len(f.situations)
    print(f"valid: {len(taxonomy.fields)} fields; kinds {dict(kinds)}")
    print("vocabulary: " + ", ".join(f"{k} {v}" for k, v in counts.items()) + f"; total {sum(counts.values())}")
    if "--fields" in sys.argv:
        for f in taxonomy.fields:
            print(f"{f.id:40} {f.kind:16} terms {len(f.terms):3} nn {len(f.nn):3} en {len(f.en):3} "
                  f"brands {len(f.brands):3} situations {len(f.situations):3}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
