# hpc-compute: slurmd, munge, the BeeGFS client (DKMS) and utils from the local apt repository, GPU support (NVIDIA
# driver from non-free, slurm-wlm-nvml-plugin from contrib) built by DKMS for the image's kernel. Packer 1.6.6 compatible.
# The variables set by the build and the qemu source are shared: ../common/vm.pkr.hcl (staged next to this file).

variable "apt_repo_dir" { type = string }        # set by the build: the local apt repository (pharos:apt-repo)
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

build {
  name    = "hpc-compute"
  sources = ["source.qemu.vm"] # ../common/vm.pkr.hcl

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

