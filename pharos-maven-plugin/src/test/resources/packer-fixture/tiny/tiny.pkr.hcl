# Test fixture: the cloud-base source with a trivial provisioner (label echoed, optional sleep), then hygiene. Packer 1.6.6 compatible.
# The variables set by the build and the qemu source are shared: ../common/vm.pkr.hcl (staged next to this file).

variable "label" {
  type    = string
  default = "a"
}
variable "sleep_seconds" {
  type    = number
  default = 0
}

build {
  name    = "tiny"
  sources = ["source.qemu.vm"] # ../common/vm.pkr.hcl

  provisioner "shell" {
    inline = ["echo pharos-tiny-${var.label}", "sleep ${var.sleep_seconds}", "echo ${var.label} | sudo tee /etc/pharos-label"]
  }

  provisioner "shell" {
    script = "${var.common_dir}/scripts/99-hygiene.sh"
  }
}

