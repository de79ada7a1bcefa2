#!/usr/bin/env bash
# Amanuensis against faster-whisper, same clips, same machine, same run: every
# target of the speed work as one Markdown table of medians and ratios.
# usage: Tools/compare-speed.sh [--runs N]
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /opt/swift/usr/bin/swift ] && export PATH=/opt/swift/usr/bin:$PATH
model=$(Packaging/fetch-model.sh tiny.en)
Tools/reference/setup-venv.sh >/dev/null
swift build -c release >&2
exec python3 Tools/compare_speed.py --bin "$(swift build -c release --show-bin-path)" --model "$model" \
    --python .venv-reference/bin/python "$@"
