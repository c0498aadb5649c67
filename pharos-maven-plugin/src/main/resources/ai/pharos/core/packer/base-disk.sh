#!/bin/bash
# Builds a bootable Debian cloud-style disk from a Debian mirror, without loop devices or mounts.
# Run as root (chroot): on the host, or inside the dev container. Shipped with pharos-maven-plugin;
# ai.pharos.core.packer.BaseDisk runs it and then boots the result once to install GRUB inside the guest.
#
# usage: base-disk.sh SUITE MIRROR SIZE_MIB AUTHORIZED_KEY_FILE OUT_DIR
# writes into OUT_DIR: stage0.qcow2 (partitioned, not yet GRUB-bootable), vmlinuz, initrd.img, packages.txt
# Optional environment: EXTRA_PACKAGES (installed in the chroot, service starts blocked: an image's heavy packages,
# e.g. DKMS modules, 8-10x faster here than in a TCG guest) from EXTRA_COMPONENTS (default: main); ROOTFS_CACHE
# (a .tar.zst of the plain debootstrap: reused when it exists, written after debootstrap otherwise).
set -euo pipefail
SUITE=$1 MIRROR=$2 SIZE_MIB=$3 KEY_FILE=$4 OUT=$5
export LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive
: "${SOURCE_DATE_EPOCH:=1767225600}"
export SOURCE_DATE_EPOCH
WORK=$(mktemp -d "$OUT/.work.XXXXXX")
trap 'umount "$WORK/root/proc" 2>/dev/null || true; rm -rf --one-file-system "$WORK"' EXIT
ROOT=$WORK/root
INCLUDE=linux-image-cloud-amd64,systemd-sysv,udev,dbus,openssh-server,sudo,iproute2,systemd-resolved,cloud-init,python3-cffi-backend,cloud-guest-utils,grub-pc-bin,grub2-common,ca-certificates,netbase,less
if [ -n "${ROOTFS_CACHE:-}" ] && [ -f "$ROOTFS_CACHE" ]; then
  # the same debootstrap (suite, mirror, this script) done for another base of this build: reuse it
  echo "pharos-base: reusing the debootstrap of $SUITE from $(basename "$ROOTFS_CACHE")"
  mkdir -p "$ROOT"
  zstd -q -dc "$ROOTFS_CACHE" | tar --xattrs --xattrs-include='*' --numeric-owner -xpf - -C "$ROOT"
else
  echo "pharos-base: debootstrap $SUITE from $MIRROR"
  debootstrap --variant=minbase --include="$INCLUDE" --components=main "$SUITE" "$ROOT" "$MIRROR"
  if [ -n "${ROOTFS_CACHE:-}" ] && command -v zstd >/dev/null; then
    tar --xattrs --xattrs-include='*' --numeric-owner -C "$ROOT" -cf - . | zstd -q -1 -T0 -o "$ROOTFS_CACHE.tmp$$"
    mv -f "$ROOTFS_CACHE.tmp$$" "$ROOTFS_CACHE"
  fi
fi

echo "pharos-base: configuring the root filesystem"
ROOT_UUID=$(cat /proc/sys/kernel/random/uuid)
echo debian > "$ROOT/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tdebian\n::1\tlocalhost ip6-localhost ip6-loopback\n' > "$ROOT/etc/hosts"
printf 'UUID=%s / ext4 rw,discard,errors=remount-ro 0 1\n' "$ROOT_UUID" > "$ROOT/etc/fstab"
: > "$ROOT/etc/machine-id"
rm -f "$ROOT/var/lib/dbus/machine-id"
mkdir -p "$ROOT/etc/systemd/network"
printf '[Match]\nName=en* eth*\n\n[Network]\nDHCP=yes\n' > "$ROOT/etc/systemd/network/50-dhcp.network"
chroot "$ROOT" systemctl enable systemd-networkd systemd-resolved ssh >/dev/null 2>&1 || true
rm -f "$ROOT/etc/apt/sources.list"
cat > "$ROOT/etc/apt/sources.list.d/debian.sources" <<SRC
Types: deb
URIs: $MIRROR
Suites: $SUITE $SUITE-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
if [ -n "${EXTRA_PACKAGES:-}" ]; then
  COMPONENTS=${EXTRA_COMPONENTS:-main}
  echo "pharos-base: installing $EXTRA_PACKAGES ($COMPONENTS) in the chroot"
  sed -i "s/^Components: main\$/Components: $COMPONENTS/" "$ROOT/etc/apt/sources.list.d/debian.sources"
  printf '#!/bin/sh\nexit 101\n' > "$ROOT/usr/sbin/policy-rc.d"
  chmod 0755 "$ROOT/usr/sbin/policy-rc.d"
  # /proc helps some maintainer scripts; without the privilege to mount it (unprivileged container) they still work
  mount -t proc proc "$ROOT/proc" 2>/dev/null || echo "pharos-base: /proc not mounted in the chroot (no privilege)"
  chroot "$ROOT" apt-get -q update
  # shellcheck disable=SC2086
  chroot "$ROOT" apt-get -q install -y --no-install-recommends $EXTRA_PACKAGES
  umount "$ROOT/proc" 2>/dev/null || true
  rm -f "$ROOT/usr/sbin/policy-rc.d"
  # the same apt sources as a plain base: provisioning scripts enable what they need, whatever the base
  sed -i "s/^Components: .*$/Components: main/" "$ROOT/etc/apt/sources.list.d/debian.sources"
fi
mkdir -p "$ROOT/etc/ssh/sshd_config.d"
printf 'UseDNS no\n' > "$ROOT/etc/ssh/sshd_config.d/50-pharos.conf"
# cloud-init: only datasources that identify themselves without probing the network.
mkdir -p "$ROOT/etc/cloud/cloud.cfg.d"
printf 'datasource_list: [ NoCloud, ConfigDrive, OpenStack, None ]\n' > "$ROOT/etc/cloud/cloud.cfg.d/90-pharos-datasources.cfg"
# GRUB defaults (grub-install/update-grub run inside the guest on its first boot)
mkdir -p "$ROOT/etc/default"
cat > "$ROOT/etc/default/grub" <<'GRUB'
GRUB_DEFAULT=0
GRUB_TIMEOUT=0
GRUB_DISTRIBUTOR=Debian
GRUB_CMDLINE_LINUX_DEFAULT=""
GRUB_CMDLINE_LINUX="console=tty0 console=ttyS0,115200 net.ifnames=1"
GRUB_TERMINAL="console serial"
GRUB_SERIAL_COMMAND="serial --speed=115200"
GRUB_DISABLE_OS_PROBER=true
GRUB
# build user: the cloud images' default user, with the provisioning key (removed by every image's hygiene step)
chroot "$ROOT" useradd -m -s /bin/bash -G sudo debian
install -d -m 0700 -o 1000 -g 1000 "$ROOT/home/debian/.ssh"
install -m 0600 -o 1000 -g 1000 "$KEY_FILE" "$ROOT/home/debian/.ssh/authorized_keys"
printf 'debian ALL=(ALL) NOPASSWD:ALL\n' > "$ROOT/etc/sudoers.d/90-pharos-build"
chmod 0440 "$ROOT/etc/sudoers.d/90-pharos-build"
chroot "$ROOT" dpkg-query -W -f '${Package}\t${Version}\n' > "$OUT/packages.txt"
chroot "$ROOT" apt-get clean
rm -rf "$ROOT"/var/lib/apt/lists/* "$ROOT"/var/log/*.log "$ROOT"/var/cache/debconf/*-old
cp -L "$ROOT/vmlinuz" "$OUT/vmlinuz"
cp -L "$ROOT/initrd.img" "$OUT/initrd.img"
printf '%s\n' "$ROOT_UUID" > "$OUT/root-uuid"

echo "pharos-base: partitioning a ${SIZE_MIB} MiB disk (MBR: root from 2 MiB, bootable) and writing ext4 without mounting"
RAW=$WORK/disk.raw
truncate -s "${SIZE_MIB}M" "$RAW"
# An MBR label: GRUB embeds its core image in the gap before the partition. (A GPT with a BIOS-boot partition
# written here was refused by trixie's grub-install 2.12 inside the guest: "no BIOS Boot Partition".)
TOTAL=$(( SIZE_MIB * 2048 ))
PART_SECTORS=$(( TOTAL - 4096 ))
sfdisk --quiet --label dos "$RAW" <<PART
start=4096, size=$PART_SECTORS, type=83, bootable
PART
mke2fs -q -t ext4 -L root -U "$ROOT_UUID" -E offset=$(( 4096 * 512 )) -d "$ROOT" -F "$RAW" "$(( PART_SECTORS / 2 ))k"
qemu-img convert -O qcow2 "$RAW" "$OUT/stage0.qcow2"
echo "pharos-base: stage0 written"
