"""Amanuensis against faster-whisper on this machine, same clips, same run.

Measures each target of the speed issue for each compute type and prints the
CPU it ran on, a Markdown table of the figures and ratios (medians; the
machines are noisy) and where the time goes (decoder per token, encoder per
window). Under load, two busy processes run at normal priority while our
runs and faster-whisper's alternate. Run it through Tools/compare-speed.sh,
which builds and sets up faster-whisper first.

    python3 Tools/compare_speed.py --bin BIN --model DIR --python VENV_PYTHON [--runs N]
"""
import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time

CORPUS = "../shared/corpus/derived"
UNIT = "Packaging/systemd/system/amanuensisd.service"
SHORT, MEDIUM, LONG = f"{CORPUS}/concat_05s.wav", f"{CORPUS}/concat_30s.wav", f"{CORPUS}/concat_120s.wav"


def run_json(command, env=None):
    output = subprocess.run(command, check=True, capture_output=True, text=True, env=env).stdout
    return json.loads(output)


def wall_of(command):
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return (time.perf_counter() - started) * 1000


def file_report(report, clip):
    return next(f for f in report["files"] if f["file"] == clip)


def median_wall(report, clip):
    return file_report(report, clip)["wall_milliseconds"]["median"]


def stage_share(report, clip, stage, per):
    """A stage's median milliseconds over the file's tokens or windows."""
    entry = file_report(report, clip)
    return entry["stage_milliseconds"][stage]["median"] / entry[per]


def cpu_description():
    """The model name and the instruction sets the speed paths choose between."""
    with open("/proc/cpuinfo") as file:
        lines = file.read().splitlines()
    name = next(line.split(":", 1)[1].strip() for line in lines if line.startswith("model name"))
    flags = next(line.split(":", 1)[1].split() for line in lines if line.startswith("flags"))
    wanted = ["avx2", "avx512f", "avx512_vnni", "avx512_bf16", "avx512_fp16", "amx_bf16", "amx_int8"]
    return f"{name}, {os.cpu_count()} cores; {' '.join(flag for flag in wanted if flag in flags) or 'no AVX2'}"


class BusyLoad:
    """Two busy processes at normal priority, as a desktop's other work."""

    def __enter__(self):
        self.processes = [subprocess.Popen(["sh", "-c", "while :; do :; done"]) for _ in range(2)]
        return self

    def __exit__(self, *exception):
        for process in self.processes:
            process.kill()
            process.wait()


def unit_environment():
    """This environment with the packaged unit's Environment= settings, so
    the daemon measured runs as the installed one does."""
    environment = dict(os.environ)
    with open(UNIT) as unit:
        for line in unit:
            if line.startswith("Environment="):
                name, _, value = line.strip().removeprefix("Environment=").partition("=")
                environment[name] = value
    return environment


class Daemon:
    """amanuensisd started by systemd-socket-activate on a private socket,
    in the environment the packaged unit gives it."""

    def __init__(self, args, compute_type, directory):
        self.socket = os.path.join(directory, f"{compute_type}.sock")
        config = os.path.join(directory, f"{compute_type}.conf")
        with open(config, "w") as file:
            file.write(f'compute_type = "{compute_type}"\n')
        self.command = ["/usr/bin/systemd-socket-activate", "-l", self.socket,
                        os.path.join(args.bin, "amanuensisd"), "--config", config, "--model", args.model]
        self.process = None

    def start(self):
        self.process = subprocess.Popen(self.command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        env=unit_environment())
        while not os.path.exists(self.socket):
            time.sleep(0.005)

    def stop(self):
        self.process.terminate()
        self.process.wait()
        if os.path.exists(self.socket):
            os.unlink(self.socket)


def amctl(args, daemon, clip):
    return wall_of([os.path.join(args.bin, "amctl"), "transcribe", "--socket", daemon.socket, clip])


def under_load(args, daemon, timing):
    """Medians of ours through amctl and faster-whisper in process on the 5 s
    clip, alternating, with the busy load running throughout."""
    ours, theirs = [], []
    with BusyLoad():
        for _ in range(args.runs):
            ours.append(amctl(args, daemon, SHORT))
            theirs.append(median_wall(run_json(timing + ["--compute-type", "int8", "--runs", "1", SHORT]), SHORT))
    return statistics.median(ours), statistics.median(theirs)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--python", required=True)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    bench = os.path.join(args.bin, "amanuensis-bench")
    timing = [args.python, "Tools/reference/timing.py", "--model", args.model, "--runs", str(args.runs)]
    rows = []

    def row(target, ours, theirs, goal, unit="ms", higher_is_better=False):
        ratio = ours / theirs if higher_is_better else theirs / ours
        rows.append((target, ours, theirs, ratio, goal, unit))

    fw = run_json(timing + ["--compute-type", "int8", SHORT, MEDIUM, LONG])
    fw_batched = run_json(timing + ["--compute-type", "int8", "--batched", LONG])
    fw_concurrent = run_json(timing + ["--compute-type", "int8", "--concurrent", "16", "--runs", "2", SHORT])
    # Cold: a new process imports, loads the model and transcribes once.
    fw_cold = statistics.median(wall_of(timing + ["--compute-type", "int8", "--cold", SHORT]) for _ in range(3))
    stages = []
    # The daemon's default first; the bench reports the type it stood for.
    for compute_type in ("auto", "float32", "int8"):
        ours = run_json([bench, "single", "--runs", str(args.runs), "--model", args.model, "--parallel-decoding",
                         "--compute-type", compute_type, SHORT, MEDIUM, LONG])
        with tempfile.TemporaryDirectory() as directory:
            daemon = Daemon(args, compute_type, directory)
            # Cold: socket activation starts the daemon, loads, transcribes.
            colds = []
            for _ in range(3):
                daemon.start()
                try:
                    colds.append(amctl(args, daemon, SHORT))
                finally:
                    daemon.stop()
            daemon.start()
            try:
                amctl(args, daemon, SHORT)
                socket_short = statistics.median(amctl(args, daemon, SHORT) for _ in range(args.runs))
                load = run_json([bench, "load", "--socket", daemon.socket, "--clients", "16", "--requests", "2",
                                 "--clip", SHORT])
                loaded = under_load(args, daemon, timing)
            finally:
                daemon.stop()
        if compute_type == "auto":
            compute_type = f"default: auto = {ours['compute_type']}"
        label = f"({compute_type})"
        # The 5 s clip is one window, always encoded (a later window over
        # silence is counted but not encoded).
        stages.append((compute_type, stage_share(ours, MEDIUM, "total.decoder", "tokens"),
                       stage_share(ours, SHORT, "total.encoder", "windows")))
        row(f"5 s clip through amctl and the socket {label} vs fw in process", socket_short, median_wall(fw, SHORT), "≥ 3×")
        row(f"5 s clip under load (two busy processes), alternating {label}", *loaded, "≥ 2×")
        row(f"30 s clip in process {label}", median_wall(ours, MEDIUM), median_wall(fw, MEDIUM), "≥ 3×")
        row(f"120 s clip in process {label} vs fw batched (VAD on)", median_wall(ours, LONG),
            median_wall(fw_batched, LONG), "≥ 2×")
        row(f"120 s clip in process {label} vs fw sequential", median_wall(ours, LONG), median_wall(fw, LONG), "")
        row(f"16 concurrent 5 s clips, audio s/s {label}", load["audio_seconds_per_second"],
            fw_concurrent["files"][0]["audio_seconds_per_second"], "≥ 3×", "audio s/s", higher_is_better=True)
        row(f"cold start to first 5 s transcript {label}", statistics.median(colds), fw_cold, "≥ 2×")
        row(f"peak RSS, 5 s + 30 s + 120 s in process {label}", ours["peak_rss_bytes"] / 2**20,
            fw["peak_rss_bytes"] / 2**20, "≥ 2×", "MiB")

    print(f"CPU: {cpu_description()}")
    print(f"faster-whisper {fw['compute_type']}, {fw['threads']} threads, greedy; medians of {args.runs} runs\n")
    print("| target | Amanuensis | faster-whisper | ratio (× better) | goal |")
    print("| --- | ---: | ---: | ---: | --- |")
    for target, ours, theirs, ratio, goal, unit in rows:
        print(f"| {target} | {ours:.0f} {unit} | {theirs:.0f} {unit} | {ratio:.2f}× | {goal} |")
    print("\nWhere the time goes, in process: the decoder over the 30 s clip, the encoder over the 5 s clip's"
          " window (goals: ≤ 1.5 ms a token, ≤ 60 ms a window):\n")
    print("| compute type | decoder, ms a token | encoder, ms a window |")
    print("| --- | ---: | ---: |")
    for compute_type, token, window in stages:
        print(f"| {compute_type} | {token:.2f} | {window:.0f} |")


if __name__ == "__main__":
    main()
