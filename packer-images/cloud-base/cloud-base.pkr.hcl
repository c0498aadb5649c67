# cloud-base: a generic Debian cloud image (cloud-init, qemu-guest-agent, chrony). Packer 1.6.6 compatible.
# The variables set by the build and the qemu source are shared: ../common/vm.pkr.hcl (staged next to this file).

build {
  name    = "cloud-base"
  sources = ["source.qemu.vm"] # ../common/vm.pkr.hcl

  provisioner "shell" {
    script = "${var.common_dir}/scripts/00-prepare.sh"
  }

  provisioner "shell" {
    script           = "scripts/10-cloud-base.sh"
    environment_vars = ["EXTRA_PACKAGES=${join(" ", var.extra_packages)}"]
  }

  provisioner "shell" {
    script = "${var.common_dir}/scripts/99-hygiene.sh"
  }
}

