"""The baseline of issue 14's `pmtui categorize --input FILE --json` target: "the old 17-regex script".

That script predates this repository and exists only as a description (issue 3: "a handful of
regexes that let \\bsol\\b and \\bada\\b match ordinary words, filed every question mentioning Trump
under one heading, and left most markets 'Unknown'"; issue 14: "the old 17-regex script"). This is a
faithful reconstruction of such a script, kept only as a bench baseline: it reads a JSONL file of
Gamma markets line by line, tries 17 case-insensitive regexes on each question in order (first hit
wins, else "Unknown") and prints one JSON line per market. It computes no cluster and no features.

Run: python tests/bench/old_categorizer.py FILE > out.jsonl
"""

from __future__ import annotations

import json
import re
import sys

RULES = [
    ("Crypto/BTC", r"\bbitcoin\b|\bbtc\b"),
    ("Crypto/ETH", r"\bethereum\b|\beth\b"),
    ("Crypto/SOL", r"\bsolana\b|\bsol\b"),
    ("Crypto/ADA", r"\bcardano\b|\bada\b"),
    ("Crypto/XRP", r"\bxrp\b|\bripple\b"),
    ("Crypto/DOGE", r"\bdogecoin\b|\bdoge\b"),
    ("Trump", r"\btrump\b"),
    ("Elections", r"\belection\b|\bprimary\b|\bnominee\b|\bnomination\b"),
    ("Fed", r"\bfed\b|\binterest rates?\b"),
    ("Weather", r"\btemperature\b|°[fc]\b"),
    ("Elon tweets", r"\belon\b.*\btweets?\b"),
    ("NBA", r"\bnba\b|\blakers\b|\bceltics\b|\bwarriors\b"),
    ("NFL", r"\bnfl\b|\bsuper bowl\b|\bchiefs\b"),
    ("Soccer", r"\bpremier league\b|\bchampions league\b|\bfc\b|\bla liga\b"),
    ("Esports", r"\bcounter-strike\b|\bdota\b|\blol:|\bvalorant\b"),
    ("AI", r"\bopenai\b|\bgpt\b|\bai model\b"),
    ("Culture", r"\boscars?\b|\bgrammys?\b|\bbox office\b|\balbum\b"),
]
COMPILED = [(name, re.compile(pattern, re.IGNORECASE)) for name, pattern in RULES]


def category(question: str) -> str:
    for name, pattern in COMPILED:
        if pattern.search(question):
            return name
    return "Unknown"


def main(path: str) -> None:
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            market = json.loads(line)
            question = market.get("question") or ""
            print(json.dumps({"id": market.get("id"), "question": question, "category": category(question)}))


if __name__ == "__main__":
    main(sys.argv[1])
