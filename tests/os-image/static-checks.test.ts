import { copyFile, cp, mkdir, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DEVICE_ENVIRONMENT, DEVICE_NODE_FLAGS } from "@fleet/device";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureDebianTools, run } from "./debian-tools.ts";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
const OS_IMAGE = join(REPO, "os-image");
const FILES = join(OS_IMAGE, "files");
const UNITS = ["fleet-device.service", "fleet-firstboot.service"];

beforeAll(() => {
  ensureDebianTools();
}, 300_000);

async function shellScripts(): Promise<string[]> {
  const found = [join(REPO, "scripts/ensure-debian-tools.sh")];
  for (const entry of await readdir(OS_IMAGE, { recursive: true })) {
    if (entry.endsWith(".sh")) found.push(join(OS_IMAGE, entry));
  }
  return found;
}

describe("OS image scripts", () => {
  it("are shellcheck-clean (POSIX sh)", async () => {
    const scripts = await shellScripts();
    expect(scripts.map((s) => s.slice(REPO.length))).toEqual(
      expect.arrayContaining([
        "os-image/files/fleet-firstboot.sh",
        "os-image/files/install-fleet.sh",
      ]),
    );
    const result = run("shellcheck", ["--shell=sh", "--severity=style", ...scripts]);
    expect(result.stdout + result.stderr).toBe("");
    expect(result.status).toBe(0);
  });
});

describe("systemd units", () => {
  let root: string;

  // An offline root holding the host's stock units (targets the fleet units order against),
  // the fleet units and executables at their ExecStart and ExecStartPost paths.
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "fleet-units-"));
    await cp("/usr/lib/systemd/system", join(root, "usr/lib/systemd/system"), { recursive: true });
    await mkdir(join(root, "etc/systemd/system"), { recursive: true });
    for (const unit of UNITS)
      await copyFile(join(FILES, unit), join(root, "etc/systemd/system", unit));
    await mkdir(join(root, "opt/fleet-device/bin"), { recursive: true });
    await copyFile("/usr/bin/true", join(root, "opt/fleet-device/bin/node"));
    await mkdir(join(root, "usr/bin"), { recursive: true });
    await copyFile("/usr/bin/true", join(root, "usr/bin/hostname"));
    await mkdir(join(root, "usr/local/lib/fleet"), { recursive: true });
    await copyFile(
      join(FILES, "fleet-firstboot.sh"),
      join(root, "usr/local/lib/fleet/fleet-firstboot.sh"),
    );
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("pass systemd-analyze verify with no warnings", () => {
    const result = run("systemd-analyze", ["verify", "--man=no", `--root=${root}`, ...UNITS]);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
  });

  it("start the device client with the device package's Node flags and environment", async () => {
    const unit = await readFile(join(FILES, "fleet-device.service"), "utf8");
    const execStart = /^ExecStart=(.*)$/m.exec(unit)?.[1]?.split(" ") ?? [];
    expect(execStart[0]).toBe("/opt/fleet-device/bin/node");
    expect(execStart.slice(1, 1 + DEVICE_NODE_FLAGS.length)).toEqual(DEVICE_NODE_FLAGS);
    expect(execStart.slice(1 + DEVICE_NODE_FLAGS.length)).toEqual([
      "/opt/fleet-device/lib/fleet-device.mjs",
      "--config",
      "/etc/fleet/device.json",
    ]);
    for (const [name, value] of Object.entries(DEVICE_ENVIRONMENT)) {
      expect(unit).toMatch(
        new RegExp(`^Environment=${name}=${value.replaceAll(".", "\\.")}$`, "m"),
      );
    }
  });

  it("run the client as the unprivileged fleet user with no capabilities", async () => {
    const unit = await readFile(join(FILES, "fleet-device.service"), "utf8");
    for (const line of [
      "User=fleet",
      "Restart=always",
      "NoNewPrivileges=yes",
      "ProtectSystem=strict",
      "ReadWritePaths=/var/lib/fleet",
      "CapabilityBoundingSet=",
      "SupplementaryGroups=gpio",
    ]) {
      expect(unit.split("\n")).toContain(line);
    }
  });
});

describe("Packer template", () => {
  it("is formatted (packer fmt -check)", () => {
    const result = run("packer", ["fmt", "-check", "-diff", "raspberry-pi.pkr.hcl"], {
      cwd: OS_IMAGE,
    });
    expect(result.stdout + result.stderr).toBe("");
    expect(result.status).toBe(0);
  });

  it("passes packer validate -syntax-only", () => {
    const result = run("packer", ["validate", "-syntax-only", "raspberry-pi.pkr.hcl"], {
      cwd: OS_IMAGE,
    });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
  });

  it("declares every input fleet image build passes, and no secret default", async () => {
    const template = await readFile(join(OS_IMAGE, "raspberry-pi.pkr.hcl"), "utf8");
    const variables = [...template.matchAll(/^variable "([a-z_]+)"/gm)].map((m) => m[1]);
    expect(variables).toEqual(
      expect.arrayContaining([
        "stage",
        "region",
        "iot_endpoint",
        "provisioning_template",
        "claim_cert_file",
        "claim_key_file",
        "root_ca_file",
        "release_public_key_file",
        "device_client_tarball",
      ]),
    );
    expect(template).not.toMatch(/BEGIN [A-Z ]*PRIVATE KEY/);
  });
});
