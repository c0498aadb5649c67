#!/bin/bash
# Controller services: enabled (they start at deploy time, once slurm.conf and the munge key are in place), and the
# BeeGFS server packages available in the local repository.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
AVAILABLE=()
for p in $BEEGFS_PACKAGES; do
  if apt-cache show "$p" >/dev/null 2>&1; then AVAILABLE+=("$p"); else echo "pharos: $p is not in the local repository: skipped"; fi
done
if [ ${#AVAILABLE[@]} -eq 0 ]; then
  echo "pharos: none of the BeeGFS packages ($BEEGFS_PACKAGES) is in the local apt repository" >&2
  exit 1
fi
sudo -E apt-get -q install -y --no-install-recommends "${AVAILABLE[@]}" $EXTRA_PACKAGES
sudo systemctl enable munge slurmctld slurmdbd
echo "pharos: BeeGFS installed: ${AVAILABLE[*]}"
