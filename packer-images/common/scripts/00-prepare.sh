#!/bin/bash
# Runs first in every image: wait for cloud-init, block service starts during package installs, refresh apt.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
if command -v cloud-init >/dev/null; then
  sudo cloud-init status --wait >/dev/null 2>&1 || true
fi
# Daemons must not start while the image is built (slurmd hangs ~100 s without a slurm.conf; chrony would reach
# out to NTP servers). Removed again by 99-hygiene.sh.
printf '#!/bin/sh\nexit 101\n' | sudo tee /usr/sbin/policy-rc.d >/dev/null
sudo chmod 0755 /usr/sbin/policy-rc.d
sudo systemctl stop unattended-upgrades.service apt-daily.timer apt-daily-upgrade.timer 2>/dev/null || true
sudo apt-get -q update
echo "pharos: prepared $(. /etc/os-release; echo "$PRETTY_NAME"), kernel $(uname -r)"
