#!/usr/bin/env bash
# Creates a Python virtual environment with pinned packages: by default the one
# used to regenerate the faster-whisper reference fixtures in Tests/Fixtures
# (see Tools/reference/transcripts.py); the tests' protocol peers with
# Tools/peers/requirements.txt.
#
#   Tools/reference/setup-venv.sh [VENV_DIR [REQUIREMENTS]]
#       (default: <repo>/.venv-reference Tools/reference/requirements.txt)
#
# Installs the exact versions pinned in REQUIREMENTS from PyPI. Idempotent:
# does nothing if the venv already has those versions.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
venv="${1:-$repo/.venv-reference}"
req="${2:-$here/requirements.txt}"
python="${PYTHON:-python3}"

if [ ! -x "$venv/bin/python" ]; then
    echo "creating venv $venv"
    "$python" -m venv "$venv"
fi

# Already set up? Compare the pinned lines against what is installed.
if "$venv/bin/python" - "$req" <<'PY'
import sys
from importlib import metadata
want = {}
for line in open(sys.argv[1]):
    line = line.split("#", 1)[0].strip()
    if line:
        name, ver = line.split("==")
        want[name.strip()] = ver.strip()
for name, ver in want.items():
    try:
        if metadata.version(name) != ver:
            sys.exit(1)
    except metadata.PackageNotFoundError:
        sys.exit(1)
PY
then
    echo "venv $venv already has the pinned packages; nothing to do"
    exit 0
fi

echo "installing pinned packages into $venv"
"$venv/bin/python" -m pip install --quiet --no-deps --requirement "$req"
"$venv/bin/python" -m pip check
echo "done: $venv"
