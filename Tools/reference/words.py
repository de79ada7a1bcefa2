"""faster-whisper reference word timestamps of the shared corpus, for the
Swift tests.

Regenerate (from the repo root):
    Tools/reference/setup-venv.sh && .venv-reference/bin/python Tools/reference/words.py

Loads tiny.en and base from their CTranslate2 model directories with
WhisperModel(dir, device="cpu", compute_type="float32", cpu_threads=2) and
transcribes every clip of ../shared/corpus/manifest.jsonl of kind "wav16k"
or "derived" with word_timestamps=True, language="en", beam_size=1 and
faster-whisper's other defaults (prepend and append punctuations among them).

Writes Tests/Fixtures/faster-whisper-words-MODEL.jsonl, one object per clip:
file, text, segments ([{start, end, text, words: [{word, start, end,
probability}]}]).
"""
import argparse
import json
import os
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import ctranslate2  # noqa: E402
import faster_whisper  # noqa: E402
from faster_whisper import WhisperModel  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
KINDS = ("wav16k", "derived")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", default="/var/lib/amanuensis/models")
    ap.add_argument("--manifest", default=str(REPO / "../shared/corpus/manifest.jsonl"))
    ap.add_argument("--out-dir", default=str(REPO / "Tests/Fixtures"))
    args = ap.parse_args()
    manifest = Path(args.manifest).resolve()
    clips = [json.loads(line) for line in manifest.read_text().splitlines() if line.strip()]
    clips = sorted((c for c in clips if c["kind"] in KINDS), key=lambda c: c["file"])
    print(f"faster-whisper {faster_whisper.__version__}, ctranslate2 {ctranslate2.__version__}; {len(clips)} clips")
    for name in ("tiny.en", "base"):
        model = WhisperModel(str(Path(args.models) / name), device="cpu", compute_type="float32", cpu_threads=2)
        with open(Path(args.out_dir) / f"faster-whisper-words-{name}.jsonl", "w", encoding="utf-8") as f:
            for clip in clips:
                ctranslate2.set_random_seed(0)
                segments, _ = model.transcribe(str(manifest.parent / clip["file"]), beam_size=1, language="en",
                                               word_timestamps=True)
                segments = list(segments)
                row = {
                    "file": clip["file"],
                    "text": "".join(s.text for s in segments),
                    "segments": [
                        {"start": s.start, "end": s.end, "text": s.text,
                         "words": [{"word": w.word, "start": w.start, "end": w.end, "probability": w.probability}
                                   for w in s.words]}
                        for s in segments
                    ],
                }
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
                print(f"  [{name}] {clip['file']}: {len(row['segments'])} segments", flush=True)


if __name__ == "__main__":
    main()
