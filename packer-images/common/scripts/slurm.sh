#!/bin/bash
# Installs Slurm/munge packages at the pinned versions (the same in every image) and holds them.
# env: SLURM_VERSION, MUNGE_VERSION, SLURM_PACKAGES (space separated)
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
PKGS=()
for p in $SLURM_PACKAGES; do
  case "$p" in
    munge|libmunge2) PKGS+=("$p=$MUNGE_VERSION") ;;
    *) PKGS+=("$p=$SLURM_VERSION") ;;
  esac
done
sudo -E apt-get -q install -y --no-install-recommends "${PKGS[@]}"
sudo apt-mark hold $SLURM_PACKAGES >/dev/null
# Debian's munge generates a random key at install time: never bake it, the cluster key is injected at deploy.
sudo rm -f /etc/munge/munge.key
echo "pharos: installed and held: $SLURM_PACKAGES"
