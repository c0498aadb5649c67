#!/bin/bash
# GPU support without a GPU at build time: the NVIDIA driver from non-free (DKMS-built for the image's kernel),
# nouveau blacklisted in the initramfs, and the NVML GRES plugin of the pinned Slurm from contrib.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
if [ "$GPU" != "true" ]; then echo "pharos: GPU support disabled (gpu = false)"; exit 0; fi
sudo sed -i 's/^Components: main$/Components: main contrib non-free non-free-firmware/' /etc/apt/sources.list.d/debian.sources
sudo apt-get -q update
# contrib's slurm-wlm-nvml-plugin can lag main's Slurm security updates (trixie: 24.11.5-2 vs 24.11.5-4+deb13u1):
# require the same upstream version rather than the same Debian revision.
NVML=$(apt-cache policy slurm-wlm-nvml-plugin | sed -n 's/^  Candidate: //p')
case "$NVML" in "${SLURM_VERSION%%-*}"-*) ;; *) echo "pharos: slurm-wlm-nvml-plugin $NVML does not match Slurm $SLURM_VERSION" >&2; exit 1 ;; esac
sudo -E apt-get -q install -y --no-install-recommends $NVIDIA_PACKAGES "slurm-wlm-nvml-plugin=$NVML"
sudo apt-mark hold slurm-wlm-nvml-plugin >/dev/null
# Headless: without the GL libraries there is no GLX alternative, whose links would point modprobe at Debian's
# renamed module (nvidia -> nvidia-current) and blacklist nouveau. Make the same links (not modules-load.d: loading
# nvidia-drm at boot fails on nodes without a GPU).
for pair in nvidia.conf:nvidia-modprobe.conf nvidia-blacklists-nouveau.conf:nvidia-blacklists-nouveau.conf; do
  link=/etc/modprobe.d/${pair%%:*}
  [ -e "$link" ] || sudo ln -s "/etc/nvidia/${pair##*:}" "$link"
done
# The initramfs must carry the nouveau blacklist (regenerating it costs a minute without KVM: only when needed).
if sudo lsinitramfs "/boot/initrd.img-$(uname -r)" | grep -q 'nvidia.*blacklist\|blacklist.*nouveau'; then
  echo "pharos: the initramfs already carries the nouveau blacklist"
else
  sudo update-initramfs -u
fi
echo "pharos: NVIDIA driver: $(dpkg-query -W -f '${Version}' nvidia-kernel-dkms 2>/dev/null || true); dkms: $(sudo dkms status | tr '\n' ';')"
