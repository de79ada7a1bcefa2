"""Live dictation on this machine, against faster-whisper in the same run.

For each compute type, a daemon started by systemd-socket-activate gets the
corpus clips replayed at real time through `amanuensis-bench dictate`; then
faster-whisper (int8, its fastest on a CPU) transcribes each clip in process,
which is the work a faster-whisper dictation tool does after the key is
released. With --under-load the clips are replayed again beside two busy
processes at normal priority, and faster-whisper is timed beside them too.
Prints a Markdown table, and the runs' JSON under --keep.

    python3 Tools/compare_dictation.py --bin BIN --model DIR --python VENV_PYTHON --manifest MANIFEST
"""
import argparse
import json
import os
import statistics
import subprocess
import tempfile

from compare_speed import BusyLoad, Daemon, run_json

LOADED = " under load"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--python", required=True)
    parser.add_argument("--manifest", required=True)
    parser.add_argument("--max-seconds", type=float, default=30)
    parser.add_argument("--compute-types", default="auto,int8", help="the daemon's default (auto) and int8 unless told")
    parser.add_argument("--skip-long", action="store_true", help="no 5-minute dictation")
    parser.add_argument("--skip-concurrent", action="store_true", help="no 4 dictations beside 4 file clients")
    parser.add_argument("--under-load", action="store_true", help="the clips again beside two busy processes")
    parser.add_argument("--keep", help="a directory for every run's JSON")
    args = parser.parse_args()
    bench = os.path.join(args.bin, "amanuensis-bench")
    base = os.path.dirname(os.path.abspath(args.manifest))
    clips = []
    with open(args.manifest) as manifest:
        for line in manifest:
            row = json.loads(line)
            if row["kind"] == "wav16k" and row["duration_s"] <= args.max_seconds:
                clips.append(os.path.join(base, row["file"]))
    runs = {}
    with tempfile.TemporaryDirectory() as directory:
        long_clip = os.path.join(directory, "dictation_5min.wav")
        total, parts = 0.0, []
        for clip in clips:
            if total >= 300:
                break
            parts.append(clip)
            total += float(subprocess.run(["soxi", "-D", clip], check=True, capture_output=True, text=True).stdout)
        subprocess.run(["sox"] + parts + [long_clip], check=True)
        silence = os.path.join(directory, "silence_60s.wav")
        subprocess.run(["sox", "-n", "-r", "16000", "-c", "1", "-b", "16", silence, "trim", "0", "60"], check=True)
        for compute_type in args.compute_types.split(","):
            daemon = Daemon(args, compute_type, directory)
            daemon.start()
            try:
                dictate = [bench, "dictate", "--socket", daemon.socket]
                corpus = dictate + ["--manifest", args.manifest, "--max-seconds", str(args.max_seconds), "--per-clip"]
                runs[compute_type] = run_json(corpus)
                if args.under_load:
                    with BusyLoad():
                        runs[compute_type + LOADED] = run_json(corpus)
                if not args.skip_long:
                    runs[f"{compute_type} 5 min"] = run_json(dictate + [long_clip])
                runs[f"{compute_type} voice silence 60 s"] = run_json(dictate + ["--voice", silence])
                runs[f"{compute_type} silence 10 s, noise 10 s"] = run_json(
                    dictate + [os.path.join(base, "derived", name) for name in ("silence_10s.wav", "noise_10s.wav")])
                if not args.skip_concurrent:
                    runs[f"{compute_type} 4 dictations + 4 file clients"] = run_json(
                        dictate + ["--manifest", args.manifest, "--max-seconds", "6", "--sessions", "4", "--file-clients", "4"])
            finally:
                daemon.stop()
        timing = [args.python, "Tools/reference/timing.py", "--model", args.model, "--compute-type", "int8", "--runs", "3"]
        references = {"": run_json(timing + clips)}
        if args.under_load:
            with BusyLoad():
                references[LOADED] = run_json(timing + clips)
    if args.keep:
        os.makedirs(args.keep, exist_ok=True)
        for name, run in list(runs.items()) + [("faster-whisper" + load, fw) for load, fw in references.items()]:
            with open(os.path.join(args.keep, name.replace(" ", "_") + ".json"), "w") as file:
                json.dump(run, file, indent=2)
    fw = references[""]
    print(f"{len(clips)} corpus clips of at most {args.max_seconds:g} s replayed at real time; "
          f"faster-whisper {fw['compute_type']}, {fw['threads']} threads, greedy, in process (median of 3), "
          f"beside the same load in the runs under load\n")
    print("| run | finalize p50 / p95 | commit lag median | longest gap between updates | same text as the file transcript "
          "| WER dictation / file | daemon CPU | faster-whisper p50 | ratio of p50s | per-clip ratio, median |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, run in runs.items():
        reference = references[LOADED if name.endswith(LOADED) else ""]
        fw_wall = {f["file"]: f["wall_milliseconds"]["median"] for f in reference["files"]}
        fw_p50 = statistics.median(fw_wall.values())
        finalize = run["finalize_milliseconds"]
        cells = [name, f"{finalize['median']:.0f} / {finalize['p95']:.0f} ms", f"{run['commit_lag_seconds']['median']:.2f} s",
                 f"{run['update_interval_seconds']['max']:.2f} s",
                 f"{run['identical_to_file_transcript']} / {run['replays']}"]
        wer = run.get("wer_dictation"), run.get("wer_file_transcript")
        cells.append(f"{wer[0]:.2f} / {wer[1]:.2f} %" if wer[0] is not None else "")
        cells.append(f"{run['daemon_cpu_seconds']:.1f} s for {run['audio_seconds']:.0f} s "
                     f"({100 * run['daemon_cpu_seconds'] / max(run['audio_seconds'], 1):.1f} % of a core)")
        per_clip = [fw_wall[c["clip"]] / c["finalize_milliseconds"] for c in run.get("clips") or [] if c["clip"] in fw_wall]
        if per_clip:
            cells += [f"{fw_p50:.0f} ms", f"{fw_p50 / finalize['median']:.2f}×", f"{statistics.median(per_clip):.2f}×"]
        else:
            cells += ["", "", ""]
        if run["errors"]:
            cells[0] += f" (errors: {run['errors']})"
        print("| " + " | ".join(cells) + " |")
        before, after = run["daemon_rss_bytes"]
        print(f"|  ↳ daemon RSS {before / 2**20:.0f} → {after / 2**20:.0f} MiB; passes {run['passes']}; commits {run['commits']}; "
              f"final = commits joined on {run['final_equals_commits']} / {run['replays']}; "
              f"file requests meanwhile {run['file_requests']} |||||||||")


if __name__ == "__main__":
    main()
