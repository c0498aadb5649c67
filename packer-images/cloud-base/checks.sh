# cloud-base in-image tests (after common/checks.sh)
installed cloud-init qemu-guest-agent chrony cloud-guest-utils
enabled chrony
check "qemu-guest-agent starts on the virtio port (static unit present)" systemctl cat qemu-guest-agent
