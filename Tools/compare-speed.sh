#!/usr/bin/env bash
# Amanuensis against faster-whisper, same clips, same machine, same run:
# prints each engine's median wall time per clip and the ratio.
# usage: Tools/compare-speed.sh [--runs N] [CLIP...]
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /opt/swift/usr/bin/swift ] && export PATH=/opt/swift/usr/bin:$PATH
runs=3
if [ "${1:-}" = "--runs" ]; then runs=$2; shift 2; fi
clips=("$@")
[ ${#clips[@]} -gt 0 ] || clips=(../shared/corpus/derived/concat_05s.wav ../shared/corpus/derived/concat_30s.wav ../shared/corpus/derived/concat_120s.wav)
model=$(Packaging/fetch-model.sh tiny.en)
Tools/reference/setup-venv.sh >/dev/null
swift build -c release --product amanuensis-bench >&2
ours=$(mktemp) theirs=$(mktemp)
trap 'rm -f "$ours" "$theirs"' EXIT
"$(swift build -c release --show-bin-path)/amanuensis-bench" single --runs "$runs" --model "$model" "${clips[@]}" > "$ours"
.venv-reference/bin/python Tools/reference/timing.py --runs "$runs" --model "$model" --compute-type int8 "${clips[@]}" > "$theirs"
python3 - "$ours" "$theirs" <<'PY'
import json, sys
ours = {f["file"]: f for f in json.load(open(sys.argv[1]))["files"]}
theirs = json.load(open(sys.argv[2]))
print(f"{'clip':40} {'audio s':>8} {'ours ms':>9} {'faster-whisper ms':>18} {'speed-up':>9}")
for f in theirs["files"]:
    o = ours[f["file"]]["wall_milliseconds"]["median"]
    t = f["wall_milliseconds"]["median"]
    print(f"{f['file'].split('/')[-1]:40} {f['audio_seconds']:8.1f} {o:9.0f} {t:18.0f} {t / o:8.2f}x")
PY
