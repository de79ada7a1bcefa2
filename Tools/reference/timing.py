"""Times faster-whisper on the same clips as `amanuensis-bench single`, in process,
after one warm-up run per clip, and prints JSON: min, median and max wall
milliseconds per clip, plus the model load time.

    Tools/reference/setup-venv.sh
    .venv-reference/bin/python Tools/reference/timing.py --compute-type int8 CLIP...
"""
import argparse
import json
import os
import statistics
import time

os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from faster_whisper import WhisperModel  # noqa: E402
from faster_whisper.audio import decode_audio  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="/var/lib/amanuensis/models/tiny.en")
    parser.add_argument("--compute-type", default="int8")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("clips", nargs="+")
    args = parser.parse_args()

    started = time.perf_counter()
    model = WhisperModel(args.model, device="cpu", compute_type=args.compute_type, cpu_threads=args.threads)
    load_ms = (time.perf_counter() - started) * 1000
    files = []
    for clip in args.clips:
        audio = decode_audio(clip)

        def once() -> str:
            segments, _ = model.transcribe(audio, beam_size=1, language="en")
            return "".join(segment.text for segment in segments)

        text = once()
        walls = []
        for _ in range(args.runs):
            started = time.perf_counter()
            once()
            walls.append((time.perf_counter() - started) * 1000)
        files.append({"file": clip, "audio_seconds": len(audio) / 16000, "text": text,
                      "wall_milliseconds": {"min": min(walls), "median": statistics.median(walls), "max": max(walls)}})
    print(json.dumps({"engine": "faster-whisper", "compute_type": args.compute_type, "threads": args.threads,
                      "model_load_milliseconds": load_ms, "runs": args.runs, "files": files}, indent=2))


if __name__ == "__main__":
    main()
