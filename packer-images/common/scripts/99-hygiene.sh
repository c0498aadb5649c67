#!/bin/bash
# Last provisioner of every image: leave nothing host- or build-specific in the image.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
sudo rm -f /etc/apt/sources.list.d/pharos-local.list
sudo rm -rf /tmp/pharos-apt /tmp/pharos-*
sudo apt-get -q update >/dev/null 2>&1 || true
sudo apt-get -q -y autoremove --purge
sudo apt-get -q clean
sudo rm -rf /var/lib/apt/lists/*
sudo rm -f /usr/sbin/policy-rc.d
sudo rm -f /etc/munge/munge.key
sudo rm -f /etc/ssh/ssh_host_*
if command -v cloud-init >/dev/null; then
  sudo cloud-init clean --logs --machine-id --seed
fi
sudo truncate -s 0 /etc/machine-id
sudo rm -f /var/lib/dbus/machine-id /var/lib/systemd/random-seed
sudo find /var/log -type f \( -name '*.log' -o -name '*.gz' -o -name '*.[0-9]' \) -delete
sudo journalctl --rotate --vacuum-time=1s >/dev/null 2>&1 || true
sudo rm -rf /root/.ssh /root/.bash_history
# The build user (debian) and its sudo rule are removed by the shutdown command, run as root after this script.
echo "pharos: hygiene done"
