#!/usr/bin/env bash
# The whole test suite, from a fresh clone: dependencies, the models the tests
# use, then every test in an optimized build (the engine's numeric code runs
# 10-100x slower unoptimized), then the speed regression guard.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /opt/swift/usr/bin/swift ] && export PATH=/opt/swift/usr/bin:$PATH

Packaging/install-dependencies.sh
export AMANUENSIS_MODELS=${AMANUENSIS_MODELS:-$(dirname "$(Packaging/fetch-model.sh tiny.en)")}
Packaging/fetch-model.sh tiny.en "$AMANUENSIS_MODELS" >/dev/null
Packaging/fetch-model.sh base "$AMANUENSIS_MODELS" >/dev/null

[ -d ../shared/corpus ] || echo "WARNING: ../shared/corpus is absent: the corpus-wide tests will fail and say so." >&2
swift test -c release -Xswiftc -enable-testing "$@"
# The speed regression guard runs with the whole suite, not with a filter.
[ $# -gt 0 ] || Tools/speed-guard.sh
