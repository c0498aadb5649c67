#!/bin/bash
# GPU support without a GPU at build time: the NVIDIA driver from non-free (DKMS-built for the image's kernel),
# nouveau blacklisted in the initramfs, and the NVML GRES plugin of the pinned Slurm from contrib.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
if [ "$GPU" != "true" ]; then echo "pharos: GPU support disabled (gpu = false)"; exit 0; fi
sudo sed -i 's/^Components: main$/Components: main contrib non-free non-free-firmware/' /etc/apt/sources.list.d/debian.sources
sudo apt-get -q update
sudo -E apt-get -q install -y --no-install-recommends $NVIDIA_PACKAGES "slurm-wlm-nvml-plugin=$SLURM_VERSION"
sudo apt-mark hold slurm-wlm-nvml-plugin >/dev/null
# nvidia-kernel-dkms ships the nouveau blacklist; make sure the initramfs carries it.
sudo update-initramfs -u
echo "pharos: NVIDIA driver: $(dpkg-query -W -f '${Version}' nvidia-kernel-dkms 2>/dev/null || true); dkms: $(sudo dkms status | tr '\n' ';')"
