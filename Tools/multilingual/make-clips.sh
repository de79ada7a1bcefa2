#!/usr/bin/env bash
# Synthesizes the multilingual test clips of Tools/multilingual/clips.tsv
# with espeak-ng, as 16 kHz mono 16-bit WAV files, and writes their
# manifest (id, file, language, voice, speed, text, sha256).
#
#   Tools/multilingual/make-clips.sh [DIRECTORY]   (default: .build-corpus/multilingual)
#
# The audio is not committed: it is made again from the texts. The same
# espeak-ng and sox (Debian 12's) make the same bytes; the manifest's sha256
# lets the tests say so when they do not.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-.build-corpus/multilingual}
for tool in espeak-ng sox; do
  command -v $tool >/dev/null || { echo "make-clips: $tool is missing (Packaging/install-dependencies.sh installs it)" >&2; exit 2; }
done
mkdir -p "$out"
manifest=$out/manifest.jsonl.tmp
: >"$manifest"
while IFS=$'\t' read -r id voice speed text; do
  [[ -z $id || $id == \#* ]] && continue
  raw=$(mktemp --suffix=.wav)
  espeak-ng -v "$voice" -s "$speed" -w "$raw" -- "$text"
  # 22050 Hz from espeak-ng to Whisper's 16 kHz, 1 dB down so that no
  # sample clips; dither off, so the bytes repeat.
  sox -D "$raw" -b 16 "$out/$id.wav" gain -1 rate 16000 channels 1
  rm -f "$raw"
  python3 - "$id" "$voice" "$speed" "$text" "$out/$id.wav" >>"$manifest" <<'PY'
import hashlib, json, sys
clip, voice, speed, text, path = sys.argv[1:]
print(json.dumps({"id": clip, "file": f"{clip}.wav", "language": voice.split("+")[0], "voice": voice,
                  "words_per_minute": int(speed), "text": text,
                  "sha256": hashlib.sha256(open(path, "rb").read()).hexdigest()}, ensure_ascii=False))
PY
done < Tools/multilingual/clips.tsv
mv "$manifest" "$out/manifest.jsonl"
echo "make-clips: $(wc -l <"$out/manifest.jsonl") clips in $out" >&2
