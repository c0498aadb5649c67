#!/bin/bash
# The basics of a generic cloud image on top of the base: guest agent, time sync, growpart.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
sudo -E apt-get -q install -y --no-install-recommends cloud-init qemu-guest-agent chrony cloud-guest-utils $EXTRA_PACKAGES
sudo systemctl enable chrony
echo "pharos: cloud-base packages installed"
