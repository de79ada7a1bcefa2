#!/usr/bin/env bash
# Builds and runs the libFuzzer targets of Fuzz/Targets.
#
#   Tools/fuzz.sh TARGET SECONDS [libFuzzer arguments...]
#   Tools/fuzz.sh all SECONDS [libFuzzer arguments...]
#   Tools/fuzz.sh --list
#
# Each target is one harness compiled together with the project sources it
# exercises (internal declarations are visible that way, and nothing else of
# the package is built), with ASan and libFuzzer, into .build-fuzz/TARGET. It
# is rebuilt only when a source is newer than the binary. The committed seeds
# in Fuzz/Corpus/TARGET are copied into a working corpus, .build-fuzz/corpus/
# TARGET, that keeps what the fuzzer finds from run to run. A crash is kept
# under .build-fuzz/crashes/TARGET/ and makes the exit status non-zero;
# libFuzzer's full output is in .build-fuzz/logs/TARGET.log.
set -euo pipefail

cd "$(dirname "$0")/.."
out=.build-fuzz
targets=(frame client-message daemon-message raw-pcm audio-file model-header config wyoming-event multipart-form)

swiftc=$(command -v swiftc || echo /opt/swift/usr/bin/swiftc)
[ -x "$swiftc" ] || { echo "fuzz: swiftc not found on PATH or in /opt/swift" >&2; exit 2; }
# ASan reports crashes; Swift's own backtracer would only get in its way.
export SWIFT_BACKTRACE=enable=no
# Stack traces name functions only with a symbolizer; the toolchain has one.
[ -x "$(dirname "$swiftc")/llvm-symbolizer" ] && export ASAN_SYMBOLIZER_PATH="${ASAN_SYMBOLIZER_PATH:-$(dirname "$swiftc")/llvm-symbolizer}"

usage() {
  echo "usage: Tools/fuzz.sh TARGET|all SECONDS [libFuzzer arguments...] | --list" >&2
  echo "targets: ${targets[*]}" >&2
  exit 2
}

# Sets harness, sources, flags and max_len (the largest input worth trying:
# a few frames, a long prompt, a few thousand samples, a short audio file,
# a small model header).
configure() {
  flags=()
  case $1 in
    frame)          harness=FuzzFrame;         max_len=1024; sources=(Sources/AmanuensisProtocol/*.swift) ;;
    client-message) harness=FuzzClientMessage; max_len=8192; sources=(Sources/AmanuensisProtocol/*.swift) ;;
    daemon-message) harness=FuzzDaemonMessage; max_len=8192; sources=(Sources/AmanuensisProtocol/*.swift) ;;
    raw-pcm)        harness=FuzzRawPCM;        max_len=4096; sources=(Sources/AmanuensisCore/Audio/*.swift)
                    flags=(-I Sources/CSoxr -I Sources/CSndFile -lsoxr -lsndfile) ;;
    audio-file)     harness=FuzzAudioFile;     max_len=16384; sources=(Sources/AmanuensisCore/Audio/*.swift)
                    flags=(-I Sources/CSoxr -I Sources/CSndFile -lsoxr -lsndfile) ;;
    model-header)   harness=FuzzModelHeader;   max_len=4096
                    sources=(Sources/AmanuensisCore/Model/{CTranslate2File,MappedFile,ModelError}.swift Sources/AmanuensisCore/Support/MemoryPages.swift) ;;
    config)         harness=FuzzConfiguration; max_len=4096
                    sources=(Sources/AmanuensisDaemon/{DaemonConfiguration,ConfigurationFile}.swift)
                    flags=(-I "$out/config-modules") ;;
    wyoming-event)  harness=FuzzWyomingEvent;  max_len=20000
                    sources=(Sources/WyomingProtocol/*.swift) ;;
    multipart-form) harness=FuzzMultipartForm; max_len=16384; sources=(Sources/amanuensis-http/MultipartForm.swift) ;;
    *) echo "fuzz: unknown target '$1'" >&2; usage ;;
  esac
  sources=("Fuzz/Targets/$harness.swift" Fuzz/Support/*.swift "${sources[@]}")
}

# The configuration imports AmanuensisCore, AmanuensisRuntime and
# AmanuensisProtocol for a few of their types. Those modules are made here of just the real sources that
# define them, so the target needs no engine.
config_modules() {
  local modules=$out/config-modules
  local core=(Sources/AmanuensisCore/Compute/ComputeType.swift Sources/AmanuensisCore/Model/ModelLocation.swift
              Sources/AmanuensisCore/Search/DecodingTask.swift)
  local runtime=(Sources/AmanuensisRuntime/Backend/BackendChoice.swift)
  local protocol=(Sources/AmanuensisProtocol/SocketAddresses.swift)
  [ -f "$modules/done" ] && [ -z "$(find "${core[@]}" "${runtime[@]}" "${protocol[@]}" Tools/fuzz.sh -newer "$modules/done")" ] && return 0
  rm -rf "$modules" && mkdir -p "$modules"
  for module in AmanuensisCore AmanuensisRuntime AmanuensisProtocol; do
    local files=("${core[@]}")
    [ $module = AmanuensisRuntime ] && files=("${runtime[@]}")
    [ $module = AmanuensisProtocol ] && files=("${protocol[@]}")
    "$swiftc" -sanitize=fuzzer,address -parse-as-library -O -wmo -gline-tables-only -swift-version 6 -module-name $module \
      -emit-module -emit-module-path "$modules/$module.swiftmodule" -c -o "$modules/$module.o" "${files[@]}"
  done
  touch "$modules/done"
}

build() {
  local target=$1 binary=$out/$1 stale=no
  if [ "$target" = config ]; then
    config_modules
    flags+=("$out"/config-modules/*.o)
    if [ "$out/config-modules/done" -nt "$binary" ]; then stale=yes; fi
  fi
  [ -x "$binary" ] || stale=yes
  for file in "${sources[@]}" Tools/fuzz.sh; do
    if [ "$file" -nt "$binary" ]; then stale=yes; fi
  done
  [ $stale = yes ] || return 0
  echo "fuzz $target: building" >&2
  mkdir -p "$out"
  # One compile job at a time: fuzzing is a background chore next to builds.
  "$swiftc" -sanitize=fuzzer,address -parse-as-library -O -wmo -gline-tables-only -swift-version 6 -use-ld=lld \
    -module-name Fuzz "${flags[@]}" "${sources[@]}" -o "$binary.tmp"
  mv "$binary.tmp" "$binary"
}

# Runs one target and prints its closing line; returns 1 on a crash.
run() {
  local target=$1 seconds=$2; shift 2
  configure "$target"
  build "$target"
  local corpus=$out/corpus/$target artifacts=$out/crashes/$target/ log=$out/logs/$target.log
  mkdir -p "$corpus" "$artifacts" "$out/logs"
  cp Fuzz/Corpus/"$target"/* "$corpus"/
  local stamp=$out/logs/$target.start started=$SECONDS status
  touch "$stamp"
  # libsndfile's MP3 decoder (mpg123) warns on stderr about every odd file it
  # meets, some hundred thousand lines a minute: left out of the log.
  set +e
  "$out/$target" -max_total_time="$seconds" -max_len="$max_len" -print_final_stats=1 \
    -artifact_prefix="$artifacts" "$@" "$corpus" 2>&1 | grep -Ev '^(Warning|Note): |^\[src/libmpg123/' >"$log"
  status=${PIPESTATUS[0]}
  set -e
  local executions crashes
  executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  # -fork=N prints no final stats; its progress lines count executions instead.
  [ -n "$executions" ] || executions=$(sed -n 's/^#\([0-9]*\): cov:.*/\1/p' "$log" | tail -1)
  mapfile -t crashes < <(find "$artifacts" -type f -newer "$stamp")
  echo "fuzz $target: ${executions:-?} executions, ${#crashes[@]} crashes, $((SECONDS - started)) s"
  if [ ${#crashes[@]} -gt 0 ] || [ $status -ne 0 ]; then
    # What failed, and the first frame in the project's or the harness's code.
    { grep -m1 -E 'Fatal error|==ERROR|^SUMMARY' "$log"; grep -m1 'Swift runtime failure' "$log"
      grep -m1 -E ' in .*(Sources|Fuzz)/.*\.swift:[0-9]+' "$log"; } | sed 's/^ */  /' >&2 || true
    for crash in "${crashes[@]:0:5}"; do echo "  kept $crash" >&2; done
    [ ${#crashes[@]} -le 5 ] || echo "  and $((${#crashes[@]} - 5)) more in $artifacts" >&2
    echo "  libFuzzer exited $status; log: $log" >&2
    return 1
  fi
}

[ "${1:-}" = --list ] && { printf '%s\n' "${targets[@]}"; exit 0; }
[ $# -ge 2 ] && [[ $2 =~ ^[0-9]+$ ]] || usage
which=$1 seconds=$2; shift 2
if [ "$which" = all ]; then
  # Targets side by side, one a core (AMANUENSIS_FUZZ_JOBS to change it):
  # the test command's smoke run takes half the time on two cores.
  jobs=${AMANUENSIS_FUZZ_JOBS:-$(nproc)} failed=0 running=0
  for target in "${targets[@]}"; do
    run "$target" "$seconds" "$@" &
    running=$((running + 1))
    if [ $running -ge "$jobs" ]; then wait -n || failed=1; running=$((running - 1)); fi
  done
  while [ $running -gt 0 ]; do wait -n || failed=1; running=$((running - 1)); done
  exit $failed
fi
run "$which" "$seconds" "$@"
