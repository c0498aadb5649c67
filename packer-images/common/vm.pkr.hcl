# Shared by every image: the variables the pharos plugin sets and the qemu source. pharos:packer-build stages this
# file next to each image's template (<image>/<image>.pkr.hcl holds only its variables and its build block), so the
# three images boot, connect and shut down the same way. Packer 1.6.6 compatible (bundled qemu builder); newer
# Packer: see plugins.pkr.hcl.newer. Image settings live in <image>/image.pkrvars.hcl, the shared Slurm/munge pins
# in versions.pkrvars.hcl.

variable "image_name" { type = string }          # set by the build: the image directory's name
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
variable "slurm_version" { type = string }       # versions.pkrvars.hcl: one Slurm for every image
variable "munge_version" { type = string }
variable "cpus" {
  type    = number
  default = 2
}
variable "memory" {
  type    = number
  default = 1024
}
variable "ssh_timeout" {                          # our images answer in 30-50 s under TCG: a guest silent this
  type    = string                                # long has hung, and pharos:packer-build boots it once more
  default = "5m"
}
variable "extra_packages" {
  type    = list(string)
  default = []
}

source "qemu" "vm" {
  disk_image       = true
  iso_url          = var.base_image
  iso_checksum     = var.base_checksum
  use_backing_file = false
  skip_resize_disk = true
  skip_compaction  = true
  format           = "qcow2"
  vm_name          = "${var.image_name}.qcow2"
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
  ssh_timeout          = var.ssh_timeout
  # Runs as root after the hygiene script: removes the build user and its sudo rule, then powers off.
  shutdown_command = "sudo sh -c 'rm -f /etc/sudoers.d/90-pharos-build /etc/sudoers.d/90-cloud-init-users; userdel -r -f debian >/dev/null 2>&1; systemctl poweroff'"
  shutdown_timeout = "5m"
}
