// `node scripts/board/build-image.ts --endpoint-host H --claim-cert F ... --output disk.img`:
// the generic Arm SystemReady (UEFI) image of the fleet board. A GPT disk with
//   1. the EFI system partition (FAT): GRUB for arm64 at the removable-media path
//      /EFI/BOOT/BOOTAA64.EFI, plus optional files a user edits from any OS (fleet-boot.txt);
//   2. the root filesystem (ext4): Debian bookworm arm64 (scripts/board/build-rootfs.sh, cached),
//      with the device client installed by os-image/files/install-fleet.sh exactly as a release
//      image gets it: its units, first-boot script, claim credentials and endpoint settings.
// Needs root (chroot into the arm64 tree through qemu-user, file owners) but no loop device.
import { execFileSync } from "node:child_process";
import {
  copyFile,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rename,
  rm,
  symlink,
  writeFile,
} from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { buildGptDisk } from "./gpt-disk.ts";

const repo = join(dirname(fileURLToPath(import.meta.url)), "../..");
/** Where the rootfs tarball and the work directories live (gitignored). */
export const BOARD_CACHE_DIR = join(repo, ".board/cache");

export interface BoardImageInputs {
  /** The client with its arm64 runtime (`npm run build:device`: fleet-device-arm64.tar.gz). */
  deviceTarball: string;
  endpoint: { host: string; port: number; alpn?: string };
  templateName: string;
  claimCertFile: string;
  claimKeyFile: string;
  rootCaFile: string;
  releasePublicKeyFile: string;
  /** The disk image to write (raw). */
  output: string;
  /** Kernel arguments added to the image's own in /EFI/BOOT/grub.cfg (the board test's console settings). */
  kernelArgs?: string;
  /** Extra files on the ESP, by path: `fleet-boot.txt` (Wi-Fi and hostname for the first boot). */
  espFiles?: Readonly<Record<string, string>>;
  /** Extra files in the root filesystem, by absolute path (the board test's probe unit). */
  rootFiles?: Readonly<Record<string, string>>;
}

/** Builds the image; returns the path of the disk image. */
export async function buildBoardImage(inputs: BoardImageInputs): Promise<string> {
  tools();
  const rootfs = execFileSync(join(repo, "scripts/board/build-rootfs.sh"), [BOARD_CACHE_DIR], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  }).trim();
  await mkdir(BOARD_CACHE_DIR, { recursive: true });
  const work = await mkdtemp(join(BOARD_CACHE_DIR, "work-"));
  try {
    const rootDir = join(work, "root");
    const espDir = join(work, "esp");
    await mkdir(rootDir);
    execFileSync("tar", ["-xf", rootfs, "-C", rootDir, "--numeric-owner"]);
    await installFleet(rootDir, inputs);
    await writeFiles(rootDir, inputs.rootFiles);
    await enableWifi(rootDir);
    // systemd-resolved serves DNS to the client (an AWS endpoint is a name).
    await rm(join(rootDir, "etc/resolv.conf"), { force: true });
    await symlink("../run/systemd/resolve/stub-resolv.conf", join(rootDir, "etc/resolv.conf"));
    installGrub(rootDir);
    // The ESP's contents move out of the root tree; /boot/efi stays as its mount point.
    await rename(join(rootDir, "boot/efi"), espDir);
    await mkdir(join(rootDir, "boot/efi"));
    await writeFiles(espDir, {
      "EFI/BOOT/grub.cfg": grubConfig(inputs.kernelArgs),
      ...inputs.espFiles,
    });
    await buildGptDisk({ espDir, rootDir, workDir: work, output: inputs.output });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return inputs.output;
}

/**
 * GRUB for arm64 UEFI at the removable-media path every UEFI firmware boots
 * (/EFI/BOOT/BOOTAA64.EFI), so the image needs no boot entry. Its prefix is /EFI/BOOT on the
 * partition it was loaded from: it reads grub.cfg beside itself.
 */
function installGrub(rootDir: string): void {
  const modules =
    "part_gpt fat ext2 normal linux search search_label configfile echo gzio efi_gop".split(" ");
  const output = "/boot/efi/EFI/BOOT/BOOTAA64.EFI";
  const args = ["grub-mkimage", "-O", "arm64-efi", "-o", output, "-p", "/EFI/BOOT", ...modules];
  execFileSync("chroot", [rootDir, ...args], { stdio: ["ignore", "inherit", "inherit"] });
}

/**
 * The boot entry: the kernel of the partition labelled fleet-root (so an OS update can install
 * a new kernel without touching the ESP). net.ifnames=0: the Wi-Fi interface is wlan0 on every
 * board, the name first boot's wpa_supplicant configuration is for.
 */
function grubConfig(kernelArgs: string | undefined): string {
  const args = ["root=LABEL=fleet-root ro rootwait console=ttyAMA0 console=tty0 net.ifnames=0"];
  if (kernelArgs !== undefined) args.push(kernelArgs);
  return [
    "set timeout=0",
    "search --no-floppy --label fleet-root --set=root",
    `linux /vmlinuz ${args.join(" ")}`,
    "initrd /initrd.img",
    "boot",
    "",
  ].join("\n");
}

/**
 * wpa_supplicant on wlan0, started only once first boot wrote its configuration from
 * fleet-boot.txt (a board without Wi-Fi settings runs no supplicant).
 */
async function enableWifi(rootDir: string): Promise<void> {
  const unit = "wpa_supplicant@wlan0.service";
  await writeFiles(rootDir, {
    [`/etc/systemd/system/${unit}.d/fleet.conf`]:
      "[Unit]\nConditionPathExists=/etc/wpa_supplicant/wpa_supplicant-wlan0.conf\n",
  });
  const wants = join(rootDir, "etc/systemd/system/multi-user.target.wants");
  await mkdir(wants, { recursive: true });
  await symlink("/lib/systemd/system/wpa_supplicant@.service", join(wants, unit));
}

async function writeFiles(
  dir: string,
  files: Readonly<Record<string, string>> | undefined,
): Promise<void> {
  for (const [path, contents] of Object.entries(files ?? {})) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), contents);
  }
}

/** Runs os-image/files/install-fleet.sh inside the arm64 tree with the release's inputs. */
async function installFleet(rootDir: string, inputs: BoardImageInputs): Promise<void> {
  const staging = join(rootDir, "tmp/fleet-image");
  await mkdir(staging, { recursive: true });
  const filesDir = join(repo, "os-image/files");
  for (const name of await readdir(filesDir)) {
    await copyFile(join(filesDir, name), join(staging, name));
  }
  await copyFile(inputs.deviceTarball, join(staging, "fleet-device.tar.gz"));
  await copyFile(inputs.claimCertFile, join(staging, "claim.cert.pem"));
  await copyFile(inputs.claimKeyFile, join(staging, "claim.key.pem"));
  await copyFile(inputs.rootCaFile, join(staging, "root-ca.pem"));
  await copyFile(inputs.releasePublicKeyFile, join(staging, "release-key.pub.pem"));
  const env = [
    `FLEET_ENDPOINT_HOST=${inputs.endpoint.host}`,
    `FLEET_ENDPOINT_PORT=${inputs.endpoint.port}`,
    `FLEET_TEMPLATE_NAME=${inputs.templateName}`,
    ...(inputs.endpoint.alpn === undefined ? [] : [`FLEET_ENDPOINT_ALPN=${inputs.endpoint.alpn}`]),
    "FLEET_STAGING=/tmp/fleet-image",
    "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
  ];
  execFileSync(
    "chroot",
    [rootDir, "/usr/bin/env", "-i", ...env, "/bin/sh", "/tmp/fleet-image/install-fleet.sh"],
    {
      stdio: ["ignore", "inherit", "inherit"],
    },
  );
}

/** Installs the Debian tools when missing and registers the arm64 binfmt handler. */
function tools(): void {
  execFileSync(join(repo, "scripts/board/ensure-board-tools.sh"), { stdio: "inherit" });
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      "device-tarball": {
        type: "string",
        default: join(repo, "dist/device/fleet-device-arm64.tar.gz"),
      },
      "endpoint-host": { type: "string" },
      // MQTT on 443 with ALPN by default: it passes networks that block 8883 (AWS IoT Core
      // serves both).
      "endpoint-port": { type: "string", default: "443" },
      "endpoint-alpn": { type: "string", default: "x-amzn-mqtt-ca" },
      "template-name": { type: "string" },
      "claim-cert": { type: "string" },
      "claim-key": { type: "string" },
      "root-ca": { type: "string", default: join(repo, "os-image/files/amazon-root-cas.pem") },
      "release-public-key": { type: "string" },
      "boot-settings": { type: "string" },
      output: {
        type: "string",
        default: join(repo, "os-image/output/fleet-systemready-arm64.img"),
      },
    },
  });
  const required = [
    "endpoint-host",
    "template-name",
    "claim-cert",
    "claim-key",
    "release-public-key",
  ] as const;
  const missing = required.filter((name) => values[name] === undefined);
  if (missing.length > 0) {
    console.error(`build-image: missing ${missing.map((name) => `--${name}`).join(", ")}`);
    process.exit(2);
  }
  await mkdir(dirname(resolve(values.output)), { recursive: true });
  const image = await buildBoardImage({
    deviceTarball: values["device-tarball"],
    endpoint: {
      host: values["endpoint-host"] as string,
      port: Number(values["endpoint-port"]),
      ...(values["endpoint-alpn"] === "" ? {} : { alpn: values["endpoint-alpn"] }),
    },
    templateName: values["template-name"] as string,
    claimCertFile: values["claim-cert"] as string,
    claimKeyFile: values["claim-key"] as string,
    rootCaFile: values["root-ca"],
    releasePublicKeyFile: values["release-public-key"] as string,
    output: resolve(values.output),
    ...(values["boot-settings"] === undefined
      ? {}
      : { espFiles: { "fleet-boot.txt": await readFile(values["boot-settings"], "utf8") } }),
  });
  console.log(image);
}
