#!/bin/bash
# Makes the local apt repository uploaded to /tmp/pharos-apt (pharos:apt-repo output) an apt source.
# Accepts a flat repository (Packages at its root) or a dists/<suite>/<component> layout.
set -euo pipefail
REPO=/tmp/pharos-apt
if [ ! -d "$REPO" ]; then
  echo "pharos: no local apt repository was uploaded to $REPO" >&2
  exit 1
fi
if [ -f "$REPO/Packages" ] || [ -f "$REPO/Packages.gz" ] || [ -f "$REPO/Packages.xz" ]; then
  LINE="deb [trusted=yes] file:$REPO ./"
else
  SUITE=$(ls "$REPO/dists" | head -n1)
  COMPONENTS=$(sed -n 's/^Components: //p' "$REPO/dists/$SUITE/Release" 2>/dev/null || echo main)
  LINE="deb [trusted=yes] file:$REPO $SUITE ${COMPONENTS:-main}"
fi
# trusted=yes: the repository was built by this same build and uploaded over SSH; it is removed again at the end.
echo "$LINE" | sudo tee /etc/apt/sources.list.d/pharos-local.list >/dev/null
sudo apt-get -q update
echo "pharos: local apt repository: $LINE"
apt-cache policy $(cd "$REPO" && (zcat -f Packages* dists/*/*/binary-*/Packages* 2>/dev/null || true) | sed -n 's/^Package: //p' | sort -u) 2>/dev/null | grep -E '^[a-z]|Candidate' || true
