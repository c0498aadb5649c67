# hpc-compute in-image tests (after common/checks.sh)
installed munge slurmd slurm-client
enabled munge slurmd
held munge slurmd slurm-client
for p in beegfs-client-dkms beegfs-utils; do installed "$p"; done
KERNELS=$(ls /lib/modules)
for k in $KERNELS; do
  check "dkms built the BeeGFS client for kernel $k" sh -c "dkms status -k $k | grep -E '^beegfs.*: installed'"
done
if dpkg-query -W nvidia-kernel-dkms >/dev/null 2>&1; then
  installed nvidia-kernel-dkms slurm-wlm-nvml-plugin
  held slurm-wlm-nvml-plugin
  for k in $KERNELS; do
    check "dkms built nvidia for kernel $k" sh -c "dkms status -k $k | grep -E '^nvidia.*: installed'"
  done
  # Debian renames the module to nvidia-current; modprobe maps "nvidia" to it through /etc/modprobe.d/nvidia.conf
  check "nvidia-current module version equals the driver package" sh -c '[ "$(modinfo -F version nvidia-current)" = "$(dpkg-query -W -f "\${Version}" nvidia-kernel-dkms | sed "s/-.*//")" ]'
  check "modprobe nvidia loads nvidia-current" sh -c 'modprobe -c | grep -q "^install nvidia modprobe -i nvidia-current"'
  check "nouveau blacklisted in the initramfs" sh -c 'lsinitramfs /boot/initrd.img-$(uname -r) | grep -q "nvidia.*blacklist\|blacklist.*nouveau" || zcat -f /boot/initrd.img-$(uname -r) 2>/dev/null | grep -aq "blacklist nouveau"'
  check "nvidia-smi present" test -x /usr/bin/nvidia-smi
  check "nvidia-smi fails with the no-driver message (no GPU here)" sh -c 'nvidia-smi 2>&1 | grep -q "couldn.t communicate with the NVIDIA driver"'
  check "GRES NVML plugin installed" sh -c 'ls /usr/lib/x86_64-linux-gnu/slurm-wlm/gpu_nvml.so'
else
  fail "nvidia-kernel-dkms not installed (gpu = false?)"
fi
