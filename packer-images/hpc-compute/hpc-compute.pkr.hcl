# hpc-compute: slurmd, munge, the BeeGFS client (DKMS) and utils from the local apt repository, GPU support (NVIDIA
# driver from non-free, slurm-wlm-nvml-plugin from contrib) built by DKMS for the image's kernel. Packer 1.6.6 compatible (bundled qemu builder); newer Packer: see plugins.pkr.hcl.
# The pharos plugin passes the variables below marked "set by the build"; image settings live in
# image.auto.pkrvars.hcl, the shared Slurm/munge pins in ../common/versions.pkrvars.hcl.

variable "base_image" { type = string }          # set by the build: the verified base qcow2
variable "base_checksum" { type = string }       # set by the build: sha256:<hex>
variable "output_directory" { type = string }    # set by the build
variable "ssh_private_key_file" { type = string } # set by the build: the provisioning key (pharos:ssh-keys)
variable "accelerator" {                          # set by the build: kvm when /dev/kvm is usable, else tcg
  type    = string
  default = "tcg"
}
variable "seed_qemuargs" {                        # set by the build: cloud-init seed ISO for downloaded bases
  type    = list(list(string))
  default = []
}
variable "common_dir" { type = string }          # set by the build: packer-images/common
variable "apt_repo_dir" { type = string }        # set by the build: the local apt repository (pharos:apt-repo)
variable "slurm_version" { type = string }
variable "munge_version" { type = string }
variable "cpus" {
  type    = number
  default = 2
}
variable "memory" {
  type    = number
  default = 1024
}
variable "beegfs_packages" {
  type    = list(string)
  default = ["beegfs-client-dkms", "beegfs-utils"]
}
variable "gpu" { # install the NVIDIA driver and the NVML GRES plugin
  type    = bool
  default = true
}
variable "nvidia_packages" {
  type    = list(string)
  default = ["nvidia-kernel-dkms", "nvidia-smi"]
}
variable "extra_packages" {
  type    = list(string)
  default = []
}

source "qemu" "hpc-compute" {
  disk_image       = true
  iso_url          = var.base_image
  iso_checksum     = var.base_checksum
  use_backing_file = false
  skip_resize_disk = true
  skip_compaction  = true
  format           = "qcow2"
  vm_name          = "hpc-compute.qcow2"
  output_directory = var.output_directory
  accelerator      = var.accelerator
  headless         = true
  cpus             = var.cpus
  memory           = var.memory
  disk_interface   = "virtio"
  net_device       = "virtio-net"
  disk_cache       = "unsafe"
  disk_discard     = "unmap"
  boot_wait        = "1s" # "0s" counts as unset in Packer 1.6.6 HCL2 (10 s default)
  vnc_bind_address = "127.0.0.1"
  # SSH forward on loopback only (Packer's default hostfwd listens on every interface).
  qemuargs = concat([
    ["-netdev", "user,id=user.0,hostfwd=tcp:127.0.0.1:{{ .SSHHostPort }}-:22"],
    ["-device", "virtio-net,netdev=user.0"],
    ["-serial", "file:${var.output_directory}-console.log"],
  ], var.seed_qemuargs)
  communicator         = "ssh"
  ssh_username         = "debian"
  ssh_private_key_file = var.ssh_private_key_file
  ssh_timeout          = "15m"
  # Runs as root after the hygiene script: removes the build user and its sudo rule, then powers off.
  shutdown_command = "sudo sh -c 'rm -f /etc/sudoers.d/90-pharos-build /etc/sudoers.d/90-cloud-init-users; userdel -r -f debian >/dev/null 2>&1; systemctl poweroff'"
  shutdown_timeout = "5m"
}

build {
  sources = ["source.qemu.hpc-compute"]

  provisioner "shell" {
    script = "${var.common_dir}/scripts/00-prepare.sh"
  }

  provisioner "shell" {
    inline = ["mkdir -p /tmp/pharos-apt"]
  }

  provisioner "file" {
    source      = "${var.apt_repo_dir}/"
    destination = "/tmp/pharos-apt"
  }

  provisioner "shell" {
    script = "${var.common_dir}/scripts/local-apt-repo.sh"
  }

  provisioner "shell" {
    script = "${var.common_dir}/scripts/slurm.sh"
    environment_vars = [
      "SLURM_VERSION=${var.slurm_version}",
      "MUNGE_VERSION=${var.munge_version}",
      "SLURM_PACKAGES=munge libmunge2 slurmd slurm-client slurm-wlm-basic-plugins",
    ]
  }

  provisioner "shell" {
    script           = "scripts/10-compute.sh"
    environment_vars = [
      "BEEGFS_PACKAGES=${join(" ", var.beegfs_packages)}",
      "EXTRA_PACKAGES=${join(" ", var.extra_packages)}",
    ]
  }

  provisioner "shell" {
    script           = "scripts/20-gpu.sh"
    environment_vars = [
      "GPU=${var.gpu}",
      "NVIDIA_PACKAGES=${join(" ", var.nvidia_packages)}",
      "SLURM_VERSION=${var.slurm_version}",
    ]
  }

  provisioner "shell" {
    script = "${var.common_dir}/scripts/99-hygiene.sh"
  }
}
