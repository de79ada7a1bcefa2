#!/usr/bin/env bash
# The whole test suite, from a fresh clone: dependencies, the models the tests
# use, then every test in an optimized build (the engine's numeric code runs
# 10-100x slower unoptimized), then the speed regression guard.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /opt/swift/usr/bin/swift ] && export PATH=/opt/swift/usr/bin:$PATH

Packaging/install-dependencies.sh
# The real clients of the gateways' protocols, from PyPI.
Tools/reference/setup-venv.sh .venv-peers Tools/peers/requirements.txt >/dev/null
export AMANUENSIS_MODELS=${AMANUENSIS_MODELS:-$(dirname "$(Packaging/fetch-model.sh tiny.en)")}
Packaging/fetch-model.sh tiny.en "$AMANUENSIS_MODELS" >/dev/null
Packaging/fetch-model.sh base "$AMANUENSIS_MODELS" >/dev/null

[ -d ../shared/corpus ] || echo "WARNING: ../shared/corpus is absent: the corpus-wide tests will fail and say so." >&2
# Where the time goes, for keeping CI inside its budget.
elapsed() { echo "run-tests: $1 at $((SECONDS / 60)) min $((SECONDS % 60)) s" >&2; }
elapsed "dependencies and models ready"
swift test -c release -Xswiftc -enable-testing "$@"
elapsed "tests done"
# With the whole suite, not with a filter: every fuzz target for a short
# while (replaying its seeds, past crashes among them), and the speed guard.
# The guard's instruction count runs on one core (valgrind), so the fuzz
# targets take the other, one at a time; its timing runs after both.
if [ $# -eq 0 ]; then
  Tools/speed-guard.sh --instructions & counting=$!
  fuzzed=0 guarded=0
  AMANUENSIS_FUZZ_JOBS=1 Tools/fuzz.sh all "${AMANUENSIS_FUZZ_SECONDS:-10}" || fuzzed=$?
  wait $counting || guarded=$?
  elapsed "fuzz smoke runs and instruction count done"
  Tools/speed-guard.sh --wall-clock || guarded=$?
  elapsed "speed guard done"
  [ $fuzzed = 0 ] && [ $guarded = 0 ]
fi
