#!/usr/bin/env bash
# From a fresh clone: installs what Amanuensis needs, fetches the tiny.en
# model, builds optimized, starts amanuensisd by socket activation on a
# private socket, and transcribes the bundled sample through amctl.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /opt/swift/usr/bin/swift ] && export PATH=/opt/swift/usr/bin:$PATH

Packaging/install-dependencies.sh
model=$(Packaging/fetch-model.sh tiny.en)
swift build -c release --product amanuensisd >&2
swift build -c release --product amctl >&2
bin=$(swift build -c release --show-bin-path)

runtime=$(mktemp -d)
socket=$runtime/amanuensisd.sock
# Like systemd: listen now, start the daemon on the first connection.
systemd-socket-activate -l "$socket" "$bin/amanuensisd" --model "$model" --idle-exit 10 2>"$runtime/amanuensisd.log" &
daemon=$!
trap 'kill $daemon 2>/dev/null; wait $daemon 2>/dev/null; rm -rf "$runtime"' EXIT
for _ in $(seq 100); do [ -S "$socket" ] && break; sleep 0.05; done

"$bin/amctl" transcribe --socket "$socket" -v Samples/jfk.wav
