"""faster-whisper reference transcripts of the shared corpus, for the Swift tests.

Regenerate (from the repo root):
    Tools/reference/setup-venv.sh && .venv-reference/bin/python Tools/reference/transcripts.py

Loads Whisper tiny.en from a CTranslate2 model directory with
WhisperModel(dir, device="cpu", compute_type="float32", cpu_threads=2) and
transcribes every clip of ../shared/corpus/manifest.jsonl whose kind is
"wav16k" or "derived" with language="en" and otherwise faster-whisper's
defaults (temperature fallback 0.0..1.0, condition_on_previous_text=True,
timestamps on, no VAD): one pass with beam_size=1 and one with beam_size=5.
Audio is given to faster-whisper as a file path (decoded and resampled to
16 kHz mono by faster_whisper.audio.decode_audio).

Writes, sorted by file, one JSON object per line:
    Tests/Fixtures/faster-whisper-tiny.en.jsonl        (beam_size=1)
    Tests/Fixtures/faster-whisper-tiny.en-beam5.jsonl  (beam_size=5)
Fields: file (manifest path relative to the corpus), id, kind, text
("".join(s.text for s in segments), exactly as faster-whisper gives it),
segments ([{start, end, text, temperature, avg_logprob, compression_ratio,
no_speech_prob}]), beam_size; and, for clips with reference_quality "exact",
wer_errors and ref_words (word edit distance against the reference after
normalize() below). Prints the corpus WER (sum of errors / sum of reference
words) of each pass.

ctranslate2's random seed is reset to 0 before each clip, so segments decoded
with a sampling fallback temperature (> 0) are reproducible with the same
versions and thread count; they are not meaningful to match exactly.
"""
import argparse
import json
import os
import re
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import ctranslate2  # noqa: E402
import faster_whisper  # noqa: E402
from faster_whisper import WhisperModel  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
KINDS = ("wav16k", "derived")
OUTPUTS = {1: "faster-whisper-tiny.en.jsonl", 5: "faster-whisper-tiny.en-beam5.jsonl"}
EMPTY_IDS = ("silence_10s", "noise_10s", "speechcommands_silence", "speechcommands_noise")


def normalize(text):
    """lower-case; hyphens to spaces; keep only a-z 0-9 ' and whitespace; collapse whitespace."""
    text = text.lower().replace("-", " ")
    text = re.sub(r"[^a-z0-9'\s]", "", text)
    return text.split()


def edit_distance(ref, hyp):
    prev = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        cur = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r != h))
        prev = cur
    return prev[-1]


def transcribe_all(model, clips, corpus, beam_size):
    rows = []
    for clip in clips:
        ctranslate2.set_random_seed(0)
        segments, _info = model.transcribe(
            str(corpus / clip["file"]), beam_size=beam_size, language="en"
        )
        segments = list(segments)
        row = {
            "file": clip["file"],
            "id": clip["id"],
            "kind": clip["kind"],
            "text": "".join(s.text for s in segments),
            "segments": [
                {
                    "start": s.start,
                    "end": s.end,
                    "text": s.text,
                    "temperature": s.temperature,
                    "avg_logprob": s.avg_logprob,
                    "compression_ratio": s.compression_ratio,
                    "no_speech_prob": s.no_speech_prob,
                }
                for s in segments
            ],
            "beam_size": beam_size,
        }
        if clip.get("reference_quality") == "exact" and clip.get("reference") is not None:
            ref = normalize(clip["reference"])
            row["wer_errors"] = edit_distance(ref, normalize(row["text"]))
            row["ref_words"] = len(ref)
        print(f"  [beam {beam_size}] {clip['file']}: {row['text']!r}", flush=True)
        rows.append(row)
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="/var/lib/amanuensis/models/tiny.en")
    ap.add_argument("--manifest", default=str(REPO / "../shared/corpus/manifest.jsonl"))
    ap.add_argument("--out-dir", default=str(REPO / "Tests/Fixtures"))
    ap.add_argument("--beams", type=int, nargs="+", default=[1, 5], choices=sorted(OUTPUTS))
    args = ap.parse_args()

    manifest = Path(args.manifest).resolve()
    corpus = manifest.parent
    clips = [json.loads(line) for line in manifest.read_text().splitlines() if line.strip()]
    clips = sorted((c for c in clips if c["kind"] in KINDS), key=lambda c: c["file"])
    print(f"faster-whisper {faster_whisper.__version__}, ctranslate2 {ctranslate2.__version__}; "
          f"{len(clips)} clips from {manifest}")

    model = WhisperModel(args.model, device="cpu", compute_type="float32", cpu_threads=2)
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    summary = []
    for beam in args.beams:
        t0 = time.monotonic()
        rows = transcribe_all(model, clips, corpus, beam)
        wall = time.monotonic() - t0
        out = out_dir / OUTPUTS[beam]
        with open(out, "w", encoding="utf-8") as f:
            for row in rows:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
        scored = [r for r in rows if "ref_words" in r]
        errors = sum(r["wer_errors"] for r in scored)
        words = sum(r["ref_words"] for r in scored)
        empties = {r["id"]: r["text"] for r in rows if r["id"] in EMPTY_IDS}
        summary.append((beam, out, wall, len(scored), errors, words, empties))

    print()
    for beam, out, wall, n, errors, words, empties in summary:
        print(f"beam_size={beam}: wrote {out} in {wall:.1f} s wall")
        print(f"  corpus WER over {n} exact-reference clips: {errors}/{words} = {errors / words:.4f}")
        for clip_id, text in empties.items():
            print(f"  {clip_id}: {text!r}")


if __name__ == "__main__":
    main()
