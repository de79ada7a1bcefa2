#!/usr/bin/env bash
# The test suite under a sanitizer, in a build folder of its own:
#
#   Tools/sanitize.sh address [swift test arguments...]   # ASan, and UBSan on the C kernels
#   Tools/sanitize.sh thread  [swift test arguments...]   # TSan
#
# Every product is built instrumented, the daemon and amctl that the daemon
# tests start included, so a report from any process fails the run. Reports
# go to .build-SANITIZER/reports/; the script prints them and exits non-zero
# when there is any. Suppressions, each with its reason, are in
# Tools/sanitizers/. Builds take several minutes and the tests
# run several times slower than in a plain build: run it before closing an
# issue, not on every change.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /opt/swift/usr/bin/swift ] && export PATH=/opt/swift/usr/bin:$PATH

sanitizer=${1:?usage: Tools/sanitize.sh address|thread [swift test arguments...]}
shift
case $sanitizer in
  # swiftc has no UBSan on Linux: the C targets get it from clang, in trap
  # mode (undefined behaviour stops the process there; no runtime to link).
  address) flags=(--sanitize=address -Xcc -fsanitize=undefined -Xcc -fsanitize-trap=undefined) ;;
  thread) flags=(--sanitize=thread) ;;
  *) echo "sanitize: address or thread, not $sanitizer" >&2; exit 2 ;;
esac
scratch=.build-$sanitizer
reports=$scratch/reports
rm -rf "$reports"
mkdir -p "$reports"
# Some tests run amctl as another user, whose report must be written too.
chmod 1777 "$reports"

# The real clients of the gateways' protocols, as the test command sets them up.
Tools/reference/setup-venv.sh .venv-peers Tools/peers/requirements.txt >/dev/null
export AMANUENSIS_MODELS=${AMANUENSIS_MODELS:-$(dirname "$(Packaging/fetch-model.sh tiny.en)")}
options="log_path=$PWD/$reports/report:exitcode=66"
# LeakSanitizer's suppressions, each with its reason, are in
# Tools/sanitizers/leak.supp (ASan's own option reads only its own kinds).
case $sanitizer in
  address) export ASAN_OPTIONS="$options:detect_leaks=1" LSAN_OPTIONS="$options:suppressions=$PWD/Tools/sanitizers/leak.supp" ;;
  # libgomp is not built with TSan, so the barriers of oneDNN's OpenMP team
  # are invisible to it and every parallel product would be reported. The
  # team is held to one thread: the threads Amanuensis itself starts (its
  # sessions, streams, decoder batcher) are what this run checks.
  thread) export TSAN_OPTIONS="$options:halt_on_error=0:second_deadlock_stack=1" OMP_NUM_THREADS=1 ;;
esac
# Swift's backtracer and the sanitizers' own reports would compete for a crash.
export SWIFT_BACKTRACE=enable=no
# The programs link the shared Swift runtime here (Package.swift says why).
export AMANUENSIS_SHARED_RUNTIME=1

status=0
swift build -c release -Xswiftc -enable-testing --build-tests --scratch-path "$scratch" "${flags[@]}"
swift test -c release -Xswiftc -enable-testing --skip-build --scratch-path "$scratch" "${flags[@]}" "$@" || status=$?
shopt -s nullglob
# A log that only lists the suppressions it used is not a report.
found=()
for log in "$reports"/report*; do
  if grep -qE '(ERROR|WARNING): [A-Za-z]+Sanitizer' "$log"; then found+=("$log"); fi
done
if [ ${#found[@]} -gt 0 ]; then
  echo "sanitize $sanitizer: ${#found[@]} report(s):" >&2
  for report in "${found[@]}"; do echo "== $report" >&2; head -60 "$report" >&2; done
  exit 1
fi
echo "sanitize $sanitizer: no reports (tests exited $status)"
exit $status
