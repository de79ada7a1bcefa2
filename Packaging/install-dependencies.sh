#!/usr/bin/env bash
# Installs the Debian packages Amanuensis builds, runs and is tested with.
# Idempotent: when every package is present it changes nothing and asks no
# mirror. Needs root (or sudo) only when something is missing.
set -euo pipefail

packages=(
  pkg-config libsndfile1-dev libfftw3-dev libsoxr-dev libdnnl-dev zlib1g-dev
  systemd libsystemd-dev valgrind binutils mandoc
  espeak-ng sox jq
  dpkg-dev lintian python3-seccomp
)
command -v pip >/dev/null || command -v pip3 >/dev/null || packages+=(python3-pip)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  echo "installing: ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

if ! command -v swift >/dev/null && [ ! -x /opt/swift/usr/bin/swift ]; then
  echo "Swift 6 is needed and was not found (looked on PATH and in /opt/swift)." >&2
  echo "Install a Swift 6 toolchain for Debian 12 and put its usr/bin on PATH." >&2
  exit 1
fi
