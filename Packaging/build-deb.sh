#!/usr/bin/env bash
# Builds the Debian package amanuensis_VERSION_amd64.deb: the programs (the
# Swift runtime linked into them, so nothing from /opt/swift is needed to run
# them), the system and user units, the sysusers and tmpfiles snippets, man
# pages, amctl's shell completions, the example configuration and
# fetch-model.sh. Depends is what dpkg-shlibdeps finds the programs link.
# The package holds no model and its maintainer scripts use no network; after
# installing, as root: /usr/share/amanuensis/fetch-model.sh tiny.en
#
# usage: Packaging/build-deb.sh [--binaries DIR] [--output DIR]
#   --binaries  take the programs from DIR instead of building them
#   --output    where the .deb is written (default: the current directory)
# Prints the package's path.
set -euo pipefail
[ -x /opt/swift/usr/bin/swift ] && export PATH=/opt/swift/usr/bin:$PATH

binaries="" output=$PWD
while [ $# -gt 0 ]; do
  case "$1" in
    --binaries) binaries=$(realpath "$2"); shift ;;
    --output) output=$(realpath "$2"); shift ;;
    *) echo "build-deb.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
  shift
done
cd "$(dirname "$0")/.."

programs=(amanuensisd amctl amanuensis-wyoming amanuensis-http)
if [ -z "$binaries" ]; then
  for program in "${programs[@]}"; do swift build -c release --product "$program" >&2; done
  binaries=$(swift build -c release --show-bin-path)
fi
version=$("$binaries/amanuensisd" --version)
maintainer=$(sed -n 's/^Maintainer: //p' Packaging/debian/control)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/root
doc=$root/usr/share/doc/amanuensis

for program in "${programs[@]}"; do
  install -D -m 0755 "$binaries/$program" "$root/usr/bin/$program"
  strip --strip-unneeded "$root/usr/bin/$program"
done
for scope in system user; do
  for unit in Packaging/systemd/$scope/*; do
    install -d "$root/usr/lib/systemd/$scope"
    sed "s|@BINDIR@|/usr/bin|" "$unit" > "$root/usr/lib/systemd/$scope/$(basename "$unit")"
  done
done
install -D -m 0644 Packaging/sysusers.d/amanuensis.conf "$root/usr/lib/sysusers.d/amanuensis.conf"
install -D -m 0644 Packaging/tmpfiles.d/amanuensis.conf "$root/usr/lib/tmpfiles.d/amanuensis.conf"
for page in Man/*.[1-8]; do
  install -D -m 0644 "$page" "$root/usr/share/man/man${page##*.}/$(basename "$page")"
  gzip -9n "$root/usr/share/man/man${page##*.}/$(basename "$page")"
done
install -d "$root/usr/share/bash-completion/completions" "$root/usr/share/zsh/vendor-completions" \
  "$root/usr/share/fish/vendor_completions.d"
# bash-completion sources its scripts: no interpreter line.
"$binaries/amctl" --generate-completion-script bash | sed '1{/^#!/d}' > "$root/usr/share/bash-completion/completions/amctl"
"$binaries/amctl" --generate-completion-script zsh > "$root/usr/share/zsh/vendor-completions/_amctl"
"$binaries/amctl" --generate-completion-script fish > "$root/usr/share/fish/vendor_completions.d/amctl.fish"
install -D -m 0755 Packaging/fetch-model.sh "$root/usr/share/amanuensis/fetch-model.sh"
install -D -m 0644 Packaging/amanuensisd.conf.example "$doc/examples/amanuensisd.conf"
install -D -m 0644 Packaging/debian/copyright "$doc/copyright"
{
  echo "amanuensis ($version) unstable; urgency=medium"
  echo
  echo "  * Built from commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)."
  echo
  echo " -- $maintainer  $(date -R -d "@${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}")"
} | gzip -9n > "$work/changelog.gz"
# The version has no Debian revision (the package is made here, not from
# an upstream tarball): a native package, whose changelog is changelog.gz.
install -m 0644 "$work/changelog.gz" "$doc/changelog.gz"

install -d "$root/DEBIAN"
for script in postinst prerm postrm; do install -m 0755 "Packaging/debian/$script" "$root/DEBIAN/$script"; done
# dpkg-shlibdeps reads the package's name from a debian/control.
mkdir -p "$work/source/debian"
printf 'Source: amanuensis\n\nPackage: amanuensis\nArchitecture: amd64\n' > "$work/source/debian/control"
depends=$(cd "$work/source" && dpkg-shlibdeps -O "${programs[@]/#/$root/usr/bin/}" | sed -n 's/^shlibs:Depends=//p')
sed -e "s|@VERSION@|$version|" -e "s|@DEPENDS@|$depends|" \
    -e "s|@SIZE@|$(du -sk --exclude=DEBIAN "$root" | cut -f1)|" Packaging/debian/control > "$root/DEBIAN/control"
(cd "$root" && find usr -type f -exec md5sum {} + | sort -k2) > "$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/md5sums"

package=$output/amanuensis_${version}_amd64.deb
dpkg-deb --root-owner-group -Zxz -z0 --build "$root" "$package" >&2
echo "$package"
