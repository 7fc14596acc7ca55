#!/usr/bin/env python3
"""Prints what Python's feedparser finds in feed documents, one JSON line
per file: {"file", "version", "bozo", "entries": [{"title", "link"}]}.

tests/it/differential.rs compares newswatch's parser with it. Every document
is parsed from its bytes with BASE as its address, as newswatch parses it.

Usage: feedparser-items.py BASE FILE...
"""
import json
import sys

import feedparser


def main():
    base = sys.argv[1]
    for path in sys.argv[2:]:
        with open(path, "rb") as handle:
            data = handle.read()
        parsed = feedparser.parse(
            data, response_headers={"content-location": base}, sanitize_html=False
        )
        entries = [
            {"title": entry.get("title"), "link": entry.get("link")}
            for entry in parsed.entries
        ]
        print(
            json.dumps(
                {
                    "file": path,
                    "version": parsed.get("version", ""),
                    "bozo": bool(parsed.get("bozo")),
                    "entries": entries,
                },
                ensure_ascii=False,
            )
        )


if __name__ == "__main__":
    main()
