"""faster-whisper reference for languages: detection, transcripts and
translation with the multilingual base model, for the Swift tests.

Regenerate (from the repo root):
    Tools/multilingual/make-clips.sh && Tools/multilingual/fetch-recordings.sh
    Tools/reference/setup-venv.sh && .venv-reference/bin/python Tools/reference/languages.py

(--only DIR ... remakes the rows of those clip directories' clips alone and
keeps the others; --no-english leaves the English fixture as it is.)

Loads Whisper base from a CTranslate2 model directory with
WhisperModel(dir, device="cpu", compute_type="float32", cpu_threads=2); every
decode is greedy (beam_size=1) with faster-whisper's other defaults
(temperature fallback, condition_on_previous_text, timestamps, no VAD).

Writes, one JSON object per line:
  Tests/Fixtures/faster-whisper-base-multilingual.jsonl: every clip of
    Tools/multilingual/clips.tsv (speech synthesized by make-clips.sh) and
    of Tools/multilingual/recordings.tsv (real speech, fetch-recordings.sh),
    each checked by its sha256: id, file, language (the clip's), sha256; detected and
    probability (language=None: info.language, info.language_probability);
    text (language=None), text_given (the clip's language given) and
    translation (task="translate", the clip's language given), each with the
    highest temperature its segments were decoded at (temperature,
    temperature_given, temperature_translation): above 0, the text was
    sampled, with CTranslate2's random numbers.
  Tests/Fixtures/faster-whisper-base-english.jsonl: every clip of
    ../shared/corpus/manifest.jsonl of kind "wav16k" or "derived": file,
    detected, probability, text (language=None).
Prints the word error rate per language against the clips' texts (words
lower-cased, anything but letters, digits and apostrophes a space).
"""
import argparse
import hashlib
import json
import os
import re
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import ctranslate2  # noqa: E402
import faster_whisper  # noqa: E402
from faster_whisper import WhisperModel  # noqa: E402
from transcripts import edit_distance  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
KINDS = ("wav16k", "derived")


def words(text):
    return re.sub(r"[^\w']|_", " ", text.lower()).split()


def transcribe(model, path, **options):
    ctranslate2.set_random_seed(0)
    segments, info = model.transcribe(str(path), beam_size=1, **options)
    segments = list(segments)
    return "".join(s.text for s in segments), info, max((s.temperature for s in segments), default=0.0)


def manifest(clips_dir):
    return [dict(json.loads(line), dir=clips_dir) for line in (clips_dir / "manifest.jsonl").read_text().splitlines() if line.strip()]


def multilingual(model, clip_dirs, only, out):
    clips = [clip for clips_dir in clip_dirs for clip in manifest(clips_dir)]
    kept = {}
    if only and out.exists():
        kept = {row["id"]: row for row in map(json.loads, out.read_text().splitlines())}
    errors, totals = {}, {}
    rows = []
    for clip in clips:
        if only and clip["dir"] not in only:
            if clip["id"] in kept:
                rows.append(kept[clip["id"]])
            continue
        path = clip["dir"] / clip["file"]
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert digest == clip["sha256"], f"{path}: not the audio the manifest names"
        text, info, temperature = transcribe(model, path)
        given, _, temperature_given = transcribe(model, path, language=clip["language"])
        translation, _, temperature_translation = transcribe(model, path, language=clip["language"], task="translate")
        row = {"id": clip["id"], "file": clip["file"], "language": clip["language"], "sha256": digest,
               "detected": info.language, "probability": info.language_probability,
               "text": text, "temperature": temperature, "text_given": given, "temperature_given": temperature_given,
               "translation": translation, "temperature_translation": temperature_translation}
        rows.append(row)
        reference = words(clip["text"])
        errors[clip["language"]] = errors.get(clip["language"], 0) + edit_distance(reference, words(text))
        totals[clip["language"]] = totals.get(clip["language"], 0) + len(reference)
        print(f"  {clip['id']}: {info.language} {info.language_probability:.3f} {text!r} / {translation!r}", flush=True)
    with open(out, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    for language in sorted(totals):
        print(f"  WER {language}: {errors[language]}/{totals[language]} = {errors[language] / totals[language]:.4f}")


def english(model, manifest, out):
    corpus = manifest.parent
    clips = [json.loads(line) for line in manifest.read_text().splitlines() if line.strip()]
    clips = sorted((c for c in clips if c["kind"] in KINDS), key=lambda c: c["file"])
    with open(out, "w", encoding="utf-8") as f:
        for clip in clips:
            text, info, _ = transcribe(model, corpus / clip["file"])
            row = {"file": clip["file"], "detected": info.language, "probability": info.language_probability, "text": text}
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
            print(f"  {clip['file']}: {info.language} {info.language_probability:.3f} {text!r}", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="/var/lib/amanuensis/models/base")
    ap.add_argument("--clips", nargs="+", default=[str(REPO / ".build-corpus/multilingual"), str(REPO / ".build-corpus/recordings")])
    ap.add_argument("--only", nargs="*", default=[])
    ap.add_argument("--no-english", action="store_true")
    ap.add_argument("--manifest", default=str(REPO / "../shared/corpus/manifest.jsonl"))
    ap.add_argument("--out-dir", default=str(REPO / "Tests/Fixtures"))
    args = ap.parse_args()
    print(f"faster-whisper {faster_whisper.__version__}, ctranslate2 {ctranslate2.__version__}")
    model = WhisperModel(args.model, device="cpu", compute_type="float32", cpu_threads=2)
    out_dir = Path(args.out_dir)
    only = {Path(d) for d in args.only}
    multilingual(model, [Path(d) for d in args.clips], only, out_dir / "faster-whisper-base-multilingual.jsonl")
    if not args.no_english:
        english(model, Path(args.manifest).resolve(), out_dir / "faster-whisper-base-english.jsonl")


if __name__ == "__main__":
    main()
