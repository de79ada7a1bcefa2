#!/usr/bin/env bash
# The speed regression guard, run by the test command on every CI run.
#
# 1. Instructions: one cold transcription of Samples/jfk.wav in process,
#    counted by valgrind's callgrind on one thread. Instruction counts are
#    deterministic where wall time on shared machines is not. valgrind
#    emulates no AVX-512, and it emulates AVX2's fused multiply-adds lane by
#    lane in helper calls: one encoder window took over 15 minutes on the
#    AVX2 path. The count therefore runs the SSE4.1 paths (oneDNN's, capped
#    by DNNL_MAX_CPU_ISA, and our portable kernels), about 3 minutes; the
#    wall-clock guard below covers the wide paths. Fails when the count
#    exceeds Benchmarks/instructions.baseline by more than 10 %; a commit
#    that means to change the count updates the baseline in the same commit
#    (Tools/speed-guard.sh --update writes it).
# 2. Wall clock: the same clip on the best path (AVX-512 here) and on the
#    forced AVX2 path, interleaved in one run, as a ratio; fails when the
#    best path is not at least as fast as AVX2 (with 10 % allowance for
#    noise), which catches a wide path that silently fell back to a slow one.
#
# usage: Tools/speed-guard.sh [--update | --instructions | --wall-clock]
#   --instructions, --wall-clock: only that check (the test command runs the
#   count beside the fuzz smoke runs, and the timing on a quiet machine)
set -euo pipefail
part=${1:-both}
cd "$(dirname "$0")/.."
[ -x /opt/swift/usr/bin/swift ] && export PATH=/opt/swift/usr/bin:$PATH
baseline_file=Benchmarks/instructions.baseline
clip=Samples/jfk.wav
expected="and so my fellow americans ask not what your country can do for you ask what you can do for your country"

# The test command's flags: after the tests this build is already done (other
# flags would rebuild every module, a minute and a half of CI).
build=(-c release -Xswiftc -enable-testing)
swift build "${build[@]}" --product amanuensis-bench >&2
bench="$(swift build "${build[@]}" --show-bin-path)/amanuensis-bench"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ "$part" != --wall-clock ]; then  # the instruction count, to the closing "fi # count"

# valgrind 3.19 cannot read clang's DWARF 5 line tables; the count needs none.
cp "$bench" "$work/bench"
strip --strip-debug "$work/bench"
OMP_NUM_THREADS=1 DNNL_MAX_CPU_ISA=SSE41 AMANUENSIS_FORCE_ISA=c valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.out" \
    "$work/bench" single --runs 1 --no-warm-up --no-read-ahead "$clip" > "$work/result.json" 2> "$work/valgrind.log" || {
    cat "$work/valgrind.log" >&2
    exit 1
}
python3 - "$work/result.json" "$expected" <<'PY'
import json, sys
text = json.load(open(sys.argv[1]))["files"][0]["text"]
if "".join(c for c in text.lower() if c.isalpha() or c == " ").split() != sys.argv[2].split():
    sys.exit(f"speed guard: the counted run transcribed {text!r}, expected {sys.argv[2]!r}")
PY
count=$(sed -n 's/^summary: \([0-9]*\).*/\1/p' "$work/callgrind.out")
[ -n "$count" ] || { echo "speed guard: no instruction count in callgrind's output" >&2; exit 1; }

if [ "$part" = --update ]; then
    {
        echo "# Instructions of one cold transcription of $clip (tiny.en, float32, one thread,"
        echo "# SSE4.1 paths), counted by Tools/speed-guard.sh under valgrind's callgrind."
        echo "# Update it (Tools/speed-guard.sh --update) in the commit that changes the count."
        echo "$count"
    } > "$baseline_file"
    echo "speed guard: baseline set to $count instructions"
else
    baseline=$(grep -v '^#' "$baseline_file" | head -1)
    python3 - "$count" "$baseline" <<'PY'
import sys
count, baseline = int(sys.argv[1]), int(sys.argv[2])
ratio = count / baseline
print(f"speed guard: {count:,} instructions, baseline {baseline:,} ({ratio:.3f}x)")
if ratio > 1.10:
    sys.exit("speed guard: more than 10 % over the baseline; fix the regression, or update "
             "Benchmarks/instructions.baseline (Tools/speed-guard.sh --update) in the same commit")
PY
fi
fi # count
[ "$part" != --instructions ] || exit 0

# AVX-512 against AVX2, interleaved so both see the same noise.
for round in 1 2 3; do
    "$bench" single --runs 3 "$clip" > "$work/avx512.$round.json"
    AMANUENSIS_FORCE_ISA=avx2 DNNL_MAX_CPU_ISA=AVX2 "$bench" single --runs 3 "$clip" > "$work/avx2.$round.json"
done
python3 - "$work" <<'PY'
import json, statistics, sys
def walls(isa):
    return [w for r in (1, 2, 3) for w in [json.load(open(f"{sys.argv[1]}/{isa}.{r}.json"))["files"][0]["wall_milliseconds"]["median"]]]
wide, narrow = statistics.median(walls("avx512")), statistics.median(walls("avx2"))
print(f"speed guard: AVX-512 path {wide:.0f} ms, AVX2 path {narrow:.0f} ms ({wide / narrow:.2f}x)")
if wide > 1.10 * narrow:
    sys.exit("speed guard: the AVX-512 path is slower than the AVX2 path")
PY
