#!/usr/bin/env bash
# Fetches the test feeds of Python's feedparser (its source distribution
# ships ~2,250 small well-formed, ill-formed, encoding and entity test
# documents under tests/) into the directory given as $1, keeping their
# relative paths. tests/it/feedparser_corpus.rs runs newswatch's parser over
# them (NEWSWATCH_FEEDPARSER_CORPUS=DIR).
#
# Usage: scripts/feedparser-corpus.sh DIR
#
# Idempotent: does nothing when DIR already holds files. Needs python3 with
# pip, using pip's configured package index.
set -euo pipefail

VERSION="6.0.14"

if [ "$#" -ne 1 ] || [ -z "$1" ]; then
    echo "usage: $0 TARGET_DIR" >&2
    exit 2
fi
target="$1"

if [ -d "$target" ] && [ -n "$(find "$target" -type f -print -quit)" ]; then
    count="$(find "$target" -type f | wc -l)"
    echo "feedparser corpus: $target already holds $count files; nothing to do"
    exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

python3 -m pip download --quiet --disable-pip-version-check --no-deps \
    --no-binary :all: "feedparser==$VERSION" -d "$work/download"

archive="$work/download/feedparser-$VERSION.tar.gz"
if [ ! -f "$archive" ]; then
    echo "feedparser corpus: pip did not save $archive" >&2
    ls -l "$work/download" >&2
    exit 1
fi
tar -xzf "$archive" -C "$work"
tests="$work/feedparser-$VERSION/tests"
if [ ! -d "$tests" ]; then
    echo "feedparser corpus: the sdist has no tests/ folder" >&2
    exit 1
fi

# Everything under tests/ except the Python test runner: feed documents
# (.xml of every format, some with HTTP headers in comments) and the
# compressed ones (.gz, .z).
mkdir -p "$target"
staged="$work/staged"
mkdir -p "$staged"
(
    cd "$tests"
    find . -type f ! -name '*.py' ! -name '*.pyc' -print0 |
        while IFS= read -r -d '' file; do
            mkdir -p "$staged/$(dirname "$file")"
            cp "$file" "$staged/$file"
        done
)
cp -R "$staged/." "$target/"

count="$(find "$target" -type f | wc -l)"
if [ "$count" -eq 0 ]; then
    echo "feedparser corpus: no test files found in feedparser $VERSION" >&2
    exit 1
fi
echo "feedparser corpus: placed $count files from feedparser $VERSION in $target"
