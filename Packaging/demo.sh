#!/usr/bin/env bash
# From a fresh clone: installs what Amanuensis needs, fetches the tiny.en
# model, builds optimized, and transcribes the bundled sample.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /opt/swift/usr/bin/swift ] && export PATH=/opt/swift/usr/bin:$PATH

Packaging/install-dependencies.sh
model=$(Packaging/fetch-model.sh tiny.en)
swift build -c release --product amanuensis-bench >&2
.build/release/amanuensis-bench single --runs 1 --model "$model" Samples/jfk.wav
