# Raspberry Pi OS Lite (arm64) with the fleet device client, built with packer-builder-arm
# (github.com/mkaczanowski/packer-builder-arm). Every input is a variable: `fleet image build
# --stage S` fetches the stage's endpoint and claim credentials and passes them in; nothing
# secret is committed. Needs root, loop devices and qemu-user-static (see README.md).
#
# The arm plugin is installed by hand (`packer plugins install github.com/mkaczanowski/arm` on
# Packer >= 1.7, or its binary beside packer): a `required_plugins` block would make the
# template unreadable to Packer 1.6 (Debian 12), which the tests check it with.

packer {
  required_version = ">= 1.6.6"
}

variable "stage" {
  type        = string
  description = "SST stage the image provisions into (e.g. dev, prod)."
}

variable "region" {
  type        = string
  description = "AWS region of the stage."
}

variable "iot_endpoint" {
  type        = string
  description = "The account's AWS IoT data endpoint (iot:Data-ATS)."
}

variable "iot_port" {
  type    = number
  default = 8883
}

variable "provisioning_template" {
  type        = string
  description = "Fleet provisioning template the device registers with."
}

variable "claim_cert_file" {
  type        = string
  description = "Path of the claim certificate (PEM) on the build host."
}

variable "claim_key_file" {
  type        = string
  description = "Path of the claim private key (PEM) on the build host. Never committed."
  sensitive   = true
}

variable "root_ca_file" {
  type        = string
  description = "CA bundle of the IoT endpoint on the build host: os-image/files/amazon-root-cas.pem (Amazon Root CA 1-4) unless the endpoint needs another."
}

variable "release_public_key_file" {
  type        = string
  description = "The stage's release public key (Ed25519 PEM) on the build host: devices install only app artifacts signed with its private key."
}

variable "device_client_tarball" {
  type        = string
  description = "The device client with its Node runtime: a .tar.gz holding bin/node and lib/fleet-device.mjs."
}

variable "base_image_url" {
  type    = string
  default = "https://downloads.raspberrypi.com/raspios_lite_arm64/images/raspios_lite_arm64-2024-11-19/2024-11-19-raspios-bookworm-arm64-lite.img.xz"
}

variable "base_image_checksum_url" {
  type    = string
  default = "https://downloads.raspberrypi.com/raspios_lite_arm64/images/raspios_lite_arm64-2024-11-19/2024-11-19-raspios-bookworm-arm64-lite.img.xz.sha256"
}

variable "output_dir" {
  type    = string
  default = "os-image/output"
}

locals {
  staging = "/tmp/fleet-image"
  files   = "${path.root}/files"
}

source "arm" "raspios" {
  file_urls             = [var.base_image_url]
  file_checksum_url     = var.base_image_checksum_url
  file_checksum_type    = "sha256"
  file_target_extension = "xz"
  file_unarchive_cmd    = ["xz", "--decompress", "$ARCHIVE_PATH"]

  image_build_method = "resize"
  image_path         = "${var.output_dir}/fleet-${var.stage}-raspios-arm64.img"
  image_size         = "4G"
  image_type         = "dos"
  image_chroot_env   = ["PATH=/usr/local/bin:/usr/local/sbin:/usr/bin:/usr/sbin:/bin:/sbin"]

  image_partitions {
    name         = "boot"
    type         = "c"
    start_sector = "8192"
    filesystem   = "fat"
    size         = "512M"
    mountpoint   = "/boot/firmware"
  }

  image_partitions {
    name         = "root"
    type         = "83"
    start_sector = "1056768"
    filesystem   = "ext4"
    size         = "0"
    mountpoint   = "/"
  }

  qemu_binary_source_path      = "/usr/bin/qemu-aarch64-static"
  qemu_binary_destination_path = "/usr/bin/qemu-aarch64-static"
}

build {
  sources = ["source.arm.raspios"]

  provisioner "shell" {
    inline = ["install -d -m 0700 ${local.staging}"]
  }

  provisioner "file" {
    sources = [
      "${local.files}/fleet-device.service",
      "${local.files}/fleet-firstboot.service",
      "${local.files}/fleet-firstboot.sh",
      "${local.files}/50-fleet-reboot.rules",
      "${local.files}/60-fleet-gpio.rules",
    ]
    destination = "${local.staging}/"
  }

  provisioner "file" {
    source      = var.device_client_tarball
    destination = "${local.staging}/fleet-device.tar.gz"
  }

  provisioner "file" {
    source      = var.claim_cert_file
    destination = "${local.staging}/claim.cert.pem"
  }

  provisioner "file" {
    source      = var.claim_key_file
    destination = "${local.staging}/claim.key.pem"
  }

  provisioner "file" {
    source      = var.root_ca_file
    destination = "${local.staging}/root-ca.pem"
  }

  provisioner "file" {
    source      = var.release_public_key_file
    destination = "${local.staging}/release-key.pub.pem"
  }

  provisioner "shell" {
    script = "${local.files}/install-fleet.sh"
    environment_vars = [
      "FLEET_STAGING=${local.staging}",
      "FLEET_ENDPOINT_HOST=${var.iot_endpoint}",
      "FLEET_ENDPOINT_PORT=${var.iot_port}",
      "FLEET_TEMPLATE_NAME=${var.provisioning_template}",
    ]
  }

  # The client needs a correct clock for TLS: keep timesyncd on, and start without a user.
  provisioner "shell" {
    inline = [
      "systemctl enable systemd-timesyncd.service || true",
      "echo 'fleet image for stage ${var.stage} (${var.region})' > /etc/fleet/image-info",
    ]
  }
}
