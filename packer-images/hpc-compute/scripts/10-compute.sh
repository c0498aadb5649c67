#!/bin/bash
# Compute node: slurmd and munge enabled; the BeeGFS client (DKMS, built for every installed kernel) and utils from
# the local apt repository.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
# DKMS needs the headers of the image's kernel flavour (cloud kernel: linux-headers-cloud-amd64).
case "$(uname -r)" in *cloud-amd64) HEADERS=linux-headers-cloud-amd64 ;; *) HEADERS=linux-headers-amd64 ;; esac
sudo -E apt-get -q install -y --no-install-recommends dkms "$HEADERS" $BEEGFS_PACKAGES $EXTRA_PACKAGES
sudo systemctl enable munge slurmd
echo "pharos: BeeGFS client installed: $BEEGFS_PACKAGES (headers: $HEADERS)"
