#!/usr/bin/env bash
# Fetches the real recordings of Tools/multilingual/recordings.tsv from
# Debian's Asterisk core sounds (8 kHz telephone prompts, read by people),
# writes each at 16 kHz (sox, no dither: the same bytes every time, and
# faster-whisper and we then read the same samples, whatever resampler
# each would use), and their manifest (id, file, language, text, sha256,
# source) beside them. The text is the package's own.
#
#   Tools/multilingual/fetch-recordings.sh [DIRECTORY]   (default: .build-corpus/recordings)
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-.build-corpus/recordings}
version=1.6.1-1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
languages=$(grep -v '^#' Tools/multilingual/recordings.tsv | cut -f2 | sort -u)
packages=()
command -v sox >/dev/null || { echo "fetch-recordings: sox is missing (Packaging/install-dependencies.sh installs it)" >&2; exit 2; }
for language in $languages; do packages+=("asterisk-core-sounds-$language=$version" "asterisk-core-sounds-$language-wav=$version"); done
( cd "$work" && { apt-get download -q "${packages[@]}" >/dev/null 2>&1 || { apt-get update -qq && apt-get download -q "${packages[@]}" >/dev/null; }; } )
for deb in "$work"/*.deb; do dpkg -x "$deb" "$work/root"; done
mkdir -p "$out"
python3 - "$work/root" "$out" "$version" <<'PY'
import gzip, hashlib, json, subprocess, sys
root, out, version = sys.argv[1:]
texts = {}
rows = []
for line in open("Tools/multilingual/recordings.tsv", encoding="utf-8"):
    if not line.strip() or line.startswith("#"):
        continue
    clip, language, voice, prompt = line.rstrip("\n").split("\t")
    if language not in texts:
        texts[language] = {}
        doc = f"{root}/usr/share/doc/asterisk-core-sounds-{language}/core-sounds-{language}.txt.gz"
        for entry in gzip.open(doc, "rt", encoding="utf-8"):
            if ":" in entry and not entry.startswith(";"):
                name, text = entry.split(":", 1)
                texts[language][name.strip()] = text.strip()
    source = f"{root}/usr/share/asterisk/sounds/{voice}/{prompt}.wav"
    target = f"{out}/{clip}.wav"
    subprocess.run(["sox", "-D", source, "-b", "16", target, "rate", "16000"], check=True)
    rows.append({"id": clip, "file": f"{clip}.wav", "language": language, "text": texts[language][prompt],
                 "sha256": hashlib.sha256(open(target, "rb").read()).hexdigest(),
                 "source": f"asterisk-core-sounds-{language}-wav {version}: {voice}/{prompt}.wav"})
with open(f"{out}/manifest.jsonl", "w", encoding="utf-8") as f:
    for row in rows:
        f.write(json.dumps(row, ensure_ascii=False) + "\n")
print(f"fetch-recordings: {len(rows)} recordings in {out}", file=sys.stderr)
PY
