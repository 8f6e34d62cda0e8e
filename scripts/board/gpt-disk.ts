// A GPT disk image from a FAT EFI system partition and an ext4 root filesystem, made without
// loop devices or mounts (mkfs.vfat + mcopy, mkfs.ext4 -d, sgdisk, dd), so that it also builds
// where loop devices are missing (containers, CI runners without privileges).
import { execFileSync } from "node:child_process";
import { readdir, stat, truncate } from "node:fs/promises";
import { join } from "node:path";

const SECTOR = 512;
const MIB = 1024 * 1024;
/** The EFI system partition: room for GRUB, the boot configuration file and a spare loader. */
const ESP_MIB = 64;
/** Free room on the root filesystem past its contents: logs, the client's state, an OS update. */
const ROOT_SPARE_MIB = 384;

export interface GptDiskInputs {
  /** Directory whose contents become the EFI system partition (FAT, label FLEET-BOOT). */
  espDir: string;
  /** Directory whose contents become the root filesystem (ext4, label fleet-root), owners kept. */
  rootDir: string;
  /** Scratch directory for the partition images. */
  workDir: string;
  /** The disk image to write. */
  output: string;
}

/** Builds the disk: partition 1 the ESP (type EF00), partition 2 the arm64 root (8305). */
export async function buildGptDisk(inputs: GptDiskInputs): Promise<void> {
  const { espDir, rootDir, workDir, output } = inputs;
  const esp = join(workDir, "esp.img");
  run("mkfs.vfat", ["-C", "-n", "FLEET-BOOT", esp, String(ESP_MIB * 1024)]);
  const entries = await readdir(espDir);
  if (entries.length > 0) {
    run("mcopy", ["-s", "-i", esp, ...entries.map((name) => join(espDir, name)), "::/"]);
  }

  const rootMib = Math.ceil((duBytes(rootDir) * 1.15) / MIB) + ROOT_SPARE_MIB;
  const root = join(workDir, "root.img");
  run("mkfs.ext4", ["-q", "-F", "-L", "fleet-root", "-d", rootDir, root, `${rootMib}M`]);

  // 1 MiB alignment; the backup GPT needs the last 33 sectors, hence the spare MiB at the end.
  const espStart = MIB / SECTOR;
  const rootStart = espStart + (ESP_MIB * MIB) / SECTOR;
  const rootSectors = (await stat(root)).size / SECTOR;
  await truncate(output, 0).catch(() => undefined);
  run("truncate", ["-s", String((rootStart + rootSectors) * SECTOR + MIB), output]);
  run("sgdisk", [
    "--clear",
    `--new=1:${espStart}:+${ESP_MIB}M`,
    "--typecode=1:ef00",
    "--change-name=1:EFI system partition",
    `--new=2:${rootStart}:+${rootSectors}`,
    "--typecode=2:8305",
    "--change-name=2:fleet-root",
    output,
  ]);
  copyInto(esp, output, espStart * SECTOR);
  copyInto(root, output, rootStart * SECTOR);
}

function copyInto(partition: string, disk: string, offsetBytes: number): void {
  run("dd", [
    `if=${partition}`,
    `of=${disk}`,
    "bs=4M",
    `seek=${offsetBytes}`,
    "oflag=seek_bytes",
    "conv=notrunc,sparse",
    "status=none",
  ]);
}

function duBytes(dir: string): number {
  return Number(execFileSync("du", ["-sb", dir], { encoding: "utf8" }).split("\t")[0]);
}

function run(command: string, args: string[]): void {
  execFileSync(command, args, { stdio: ["ignore", "ignore", "inherit"] });
}
