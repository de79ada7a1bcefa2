#!/usr/bin/env bash
# Installs Amanuensis: binaries, systemd units, man pages, shell completions,
# example config, sysusers/tmpfiles snippets and the default model;
# --uninstall stops and disables the units, then removes exactly what an
# install recorded in its manifest.
#
# usage: Packaging/install.sh [--user] [--prefix DIR] [--destdir DIR]
#                             [--binaries DIR] [--no-model] [--uninstall]
#   --user       per-user install without root: ~/.local, systemctl --user units
#   --prefix     installation prefix (default /usr/local, or ~/.local with --user)
#   --destdir    stage everything under DIR (packaging, tests)
#   --binaries   take the programs (amanuensisd, amctl, the gateways) from DIR instead of building them
#                (under sudo the build runs as the user who called sudo, so
#                the checkout's .build stays theirs)
#   --no-model   do not fetch the tiny.en model
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /opt/swift/usr/bin/swift ] && export PATH=/opt/swift/usr/bin:$PATH

user=0 prefix="" destdir="" binaries="" model=1 uninstall=0
while [ $# -gt 0 ]; do
  case "$1" in
    --user) user=1 ;;
    --prefix) prefix=$2; shift ;;
    --destdir) destdir=$2; shift ;;
    --binaries) binaries=$2; shift ;;
    --no-model) model=0 ;;
    --uninstall) uninstall=1 ;;
    *) echo "install.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
  shift
done

if [ $user = 1 ]; then
  prefix=${prefix:-$HOME/.local}
  unitdir=${XDG_CONFIG_HOME:-$HOME/.config}/systemd/user
  confdir=${XDG_CONFIG_HOME:-$HOME/.config}/amanuensis
  modeldir=${XDG_DATA_HOME:-$HOME/.local/share}/amanuensis/models
  units=Packaging/systemd/user
else
  prefix=${prefix:-/usr/local}
  unitdir=/etc/systemd/system
  confdir=/etc/amanuensis
  modeldir=/var/lib/amanuensis/models
  units=Packaging/systemd/system
fi
bindir=$prefix/bin
mandir=$prefix/share/man
manifest=$prefix/share/amanuensis/installed-files

systemctl_scope=()
[ $user = 1 ] && systemctl_scope=(--user)

if [ $uninstall = 1 ]; then
  [ -f "$destdir$manifest" ] || { echo "install.sh: nothing recorded at $destdir$manifest" >&2; exit 1; }
  if [ -z "$destdir" ] && command -v systemctl >/dev/null; then
    for program in amanuensisd amanuensis-wyoming amanuensis-http; do
      systemctl "${systemctl_scope[@]}" disable --now "$program.socket" "$program.service" >/dev/null 2>&1 || true
    done
  fi
  # The manifest lists itself and the directories the install created, in
  # creation order: undo it backwards.
  mapfile -t paths < <(tac "$destdir$manifest")
  for path in "${paths[@]}"; do
    if [ -d "$destdir$path" ]; then rmdir "$destdir$path" 2>/dev/null || true; else rm -f "$destdir$path"; fi
  done
  if [ -z "$destdir" ] && command -v systemctl >/dev/null; then
    systemctl "${systemctl_scope[@]}" daemon-reload >/dev/null 2>&1 || true
  fi
  echo "uninstalled"
  exit 0
fi

if [ -z "$binaries" ]; then
  as_caller=()
  if [ "$(id -u)" = 0 ] && [ -n "${SUDO_USER:-}" ] && [ "$SUDO_USER" != root ]; then
    as_caller=(runuser -u "$SUDO_USER" -- env "PATH=$PATH")
  fi
  "${as_caller[@]}" swift build -c release --product amanuensisd >&2
  "${as_caller[@]}" swift build -c release --product amctl >&2
  "${as_caller[@]}" swift build -c release --product amanuensis-wyoming >&2
  "${as_caller[@]}" swift build -c release --product amanuensis-http >&2
  binaries=$("${as_caller[@]}" swift build -c release --show-bin-path)
fi

recorded=()
[ -z "$destdir" ] || mkdir -p "$destdir"
# Records every directory it creates, then the file, so uninstall can undo both.
put() { # mode source target
  local dir missing=()
  dir=$(dirname "$3")
  while [ "$dir" != / ] && [ ! -d "$destdir$dir" ]; do missing=("$dir" "${missing[@]}"); dir=$(dirname "$dir"); done
  for dir in "${missing[@]}"; do mkdir -p "$destdir$dir"; recorded+=("$dir"); done
  install -m "$1" "$2" "$destdir$3"
  recorded+=("$3")
}

put 0755 "$binaries/amanuensisd" "$bindir/amanuensisd"
put 0755 "$binaries/amctl" "$bindir/amctl"
put 0755 "$binaries/amanuensis-wyoming" "$bindir/amanuensis-wyoming"
put 0755 "$binaries/amanuensis-http" "$bindir/amanuensis-http"
for page in Man/*.[1-8]; do put 0644 "$page" "$mandir/man${page##*.}/$(basename "$page")"; done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Completions where bash-completion, zsh and fish look under the prefix.
for shell in bash zsh fish; do
  "$binaries/amctl" --generate-completion-script "$shell" > "$work/amctl.$shell"
done
put 0644 "$work/amctl.bash" "$prefix/share/bash-completion/completions/amctl"
put 0644 "$work/amctl.zsh" "$prefix/share/zsh/site-functions/_amctl"
put 0644 "$work/amctl.fish" "$prefix/share/fish/vendor_completions.d/amctl.fish"
for unit in "$units"/*; do
  sed "s|@BINDIR@|$bindir|" "$unit" > "$work/$(basename "$unit")"
  put 0644 "$work/$(basename "$unit")" "$unitdir/$(basename "$unit")"
done
put 0644 Packaging/amanuensisd.conf.example "$confdir/amanuensisd.conf.example"
if [ $user = 0 ]; then
  put 0644 Packaging/sysusers.d/amanuensis.conf "$prefix/lib/sysusers.d/amanuensis.conf"
  put 0644 Packaging/tmpfiles.d/amanuensis.conf "$prefix/lib/tmpfiles.d/amanuensis.conf"
fi
if [ $model = 1 ]; then
  Packaging/fetch-model.sh tiny.en "$destdir$modeldir" >/dev/null
  echo "model: $destdir$modeldir/tiny.en (kept on uninstall)" >&2
fi

touch "$work/installed-files"
put 0644 "$work/installed-files" "$manifest"
printf '%s\n' "${recorded[@]}" > "$destdir$manifest"
echo "installed into $destdir$prefix; manifest $destdir$manifest"
if [ -z "$destdir" ]; then
  if [ $user = 1 ]; then
    echo "next: systemctl --user daemon-reload && systemctl --user enable --now amanuensisd.socket"
  else
    echo "next: systemd-sysusers && systemd-tmpfiles --create && systemctl daemon-reload && systemctl enable --now amanuensisd.socket"
  fi
fi
