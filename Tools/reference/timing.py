"""Times faster-whisper on the same clips as `amanuensis-bench single`, in process,
after one warm-up run per clip, and prints JSON: min, median and max wall
milliseconds per clip, the model load time and the peak RSS.

--batched uses its BatchedInferencePipeline (batch 4, its default VAD on);
--concurrent N transcribes each clip on N threads at once (num_workers=N) and
reports the aggregate audio seconds per second; --cold makes one run without
warm-up, for timing the whole process from outside.

    Tools/reference/setup-venv.sh
    .venv-reference/bin/python Tools/reference/timing.py --compute-type int8 CLIP...
"""
import argparse
import json
import os
import resource
import statistics
import time
from concurrent.futures import ThreadPoolExecutor

os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from faster_whisper import BatchedInferencePipeline, WhisperModel  # noqa: E402
from faster_whisper.audio import decode_audio  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="/var/lib/amanuensis/models/tiny.en")
    parser.add_argument("--compute-type", default="int8")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batched", action="store_true")
    parser.add_argument("--concurrent", type=int, default=1)
    parser.add_argument("--cold", action="store_true")
    parser.add_argument("clips", nargs="+")
    args = parser.parse_args()

    started = time.perf_counter()
    model = WhisperModel(args.model, device="cpu", compute_type=args.compute_type, cpu_threads=args.threads,
                         num_workers=args.concurrent)
    pipeline = BatchedInferencePipeline(model) if args.batched else model
    load_ms = (time.perf_counter() - started) * 1000
    files = []
    for clip in args.clips:
        audio = decode_audio(clip)

        def once(_: int = 0) -> str:
            options = {"batch_size": 4} if args.batched else {}
            segments, _ = pipeline.transcribe(audio, beam_size=1, language="en", **options)
            return "".join(segment.text for segment in segments)

        def timed() -> float:
            started = time.perf_counter()
            if args.concurrent > 1:
                with ThreadPoolExecutor(args.concurrent) as pool:
                    list(pool.map(once, range(args.concurrent)))
            else:
                once()
            return (time.perf_counter() - started) * 1000

        if args.cold:
            text, walls = None, [timed()]
        else:
            text = once()
            walls = [timed() for _ in range(args.runs)]
        median = statistics.median(walls)
        files.append({"file": clip, "audio_seconds": len(audio) / 16000, "text": text,
                      "wall_milliseconds": {"min": min(walls), "median": median, "max": max(walls)},
                      "audio_seconds_per_second": args.concurrent * len(audio) / 16000 / (median / 1000)})
    print(json.dumps({"engine": "faster-whisper", "compute_type": args.compute_type, "threads": args.threads,
                      "batched": args.batched, "concurrent": args.concurrent,
                      "model_load_milliseconds": load_ms, "runs": args.runs,
                      "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
                      "files": files}, indent=2))


if __name__ == "__main__":
    main()
