# hpc-controller: Slurm controller (slurmctld, slurmdbd, slurm-client), munge, BeeGFS management/metadata/storage
# from the local apt repository. Packer 1.6.6 compatible.
# The variables set by the build and the qemu source are shared: ../common/vm.pkr.hcl (staged next to this file).

variable "apt_repo_dir" { type = string }        # set by the build: the local apt repository (pharos:apt-repo)
variable "beegfs_packages" {
  type    = list(string)
  default = ["beegfs-mgmtd", "beegfs-meta", "beegfs-storage", "beegfs-utils"]
}

build {
  name    = "hpc-controller"
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
      "SLURM_PACKAGES=munge libmunge2 slurmctld slurmdbd slurm-client slurm-wlm-basic-plugins",
    ]
  }

  provisioner "shell" {
    script           = "scripts/10-controller.sh"
    environment_vars = [
      "BEEGFS_PACKAGES=${join(" ", var.beegfs_packages)}",
      "EXTRA_PACKAGES=${join(" ", var.extra_packages)}",
    ]
  }

  provisioner "shell" {
    script = "${var.common_dir}/scripts/99-hygiene.sh"
  }
}

