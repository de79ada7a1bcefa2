#!/usr/bin/env bash
# Live dictation against faster-whisper, same clips, same machine, same run:
# the figures of the dictation issue as one Markdown table.
# usage: Tools/compare-dictation.sh [--max-seconds S] [--compute-types auto,int8] [--skip-long] [--skip-concurrent] [--under-load]
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /opt/swift/usr/bin/swift ] && export PATH=/opt/swift/usr/bin:$PATH
[ -f ../shared/corpus/manifest.jsonl ] || { echo "compare-dictation: the shared corpus (../shared/corpus) is missing" >&2; exit 2; }
model=$(Packaging/fetch-model.sh tiny.en)
Tools/reference/setup-venv.sh >/dev/null
swift build -c release >&2
exec python3 Tools/compare_dictation.py --bin "$(swift build -c release --show-bin-path)" --model "$model" \
    --python .venv-reference/bin/python --manifest ../shared/corpus/manifest.jsonl "$@"
