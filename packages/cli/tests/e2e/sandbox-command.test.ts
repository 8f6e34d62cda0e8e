import type { ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DeviceView, DeviceViewSchema } from "@fleet/core/contracts";
import { afterEach, describe, expect, it } from "vitest";
import * as z from "zod";
import { fleet, run, startSandbox, waitFor } from "../support/fleet-process.ts";

async function listDevices(stateDir: string): Promise<DeviceView[]> {
  return z
    .array(DeviceViewSchema)
    .parse(JSON.parse(await fleet("devices", "--json", "--state-dir", stateDir)));
}

function exitOf(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}

async function allConnected(stateDir: string, count: number) {
  return waitFor(
    `${count} connected devices`,
    async () => {
      const devices = await listDevices(stateDir);
      return devices.length === count && devices.every((d) => d.connected) ? devices : undefined;
    },
    30_000,
  );
}

describe("fleet sandbox", () => {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const child of children) child.kill("SIGKILL");
  });

  it("brings up simulated devices that connect over mTLS, stops on Ctrl-C and resumes its state", async () => {
    const stateDir = await mkdtemp(join(tmpdir(), "fleet-sandbox-"));
    const first = startSandbox(stateDir, "3");
    children.push(first);

    const devices = await allConnected(stateDir, 3);
    expect(devices.map((d) => d.serial)).toEqual(["sim-0001", "sim-0002", "sim-0003"]);
    for (const device of devices) {
      expect(device).toMatchObject({
        thingName: device.serial,
        state: "provisioned",
        reason: null,
      });
      expect(device.certificateId).toMatch(/^[0-9a-f]{64}$/);
      expect(Date.parse(device.notAfter ?? "")).toBeGreaterThan(Date.now());
    }
    // Each simulated board provisioned itself by claim with a key it generated (never sent).
    const deviceDir = join(stateDir, "devices", "sim-0001");
    const config = JSON.parse(await readFile(join(deviceDir, "config.json"), "utf8"));
    expect(config).toMatchObject({
      serial: "sim-0001",
      provisioning: { templateName: expect.any(String) },
    });
    expect((await stat(join(deviceDir, "key.pem"))).mode & 0o777).toBe(0o600);
    const allowList = JSON.parse(
      await fleet("allowlist", "show", "--json", "--state-dir", stateDir),
    );
    expect(allowList).toMatchObject({ count: 3, serials: ["sim-0001", "sim-0002", "sim-0003"] });

    // Each device streams its board health and the simulated vehicle; the sandbox ingests it.
    const samples = await waitFor(
      "sim-0001's vehicle telemetry",
      async () => {
        const rows = JSON.parse(
          await fleet(
            "telemetry",
            "query",
            "--device",
            "sim-0001",
            "--since",
            "5m",
            "--json",
            "--state-dir",
            stateDir,
          ),
        ) as { measure: string; thing: string }[];
        return rows.some((r) => r.measure === "vehicle.battery.soc") ? rows : undefined;
      },
      30_000,
    );
    expect(samples.every((r) => r.thing === "sim-0001")).toBe(true);
    expect(samples.map((r) => r.measure)).toContain("system.load1");
    expect(
      JSON.parse(await fleet("telemetry", "dead-letters", "--json", "--state-dir", stateDir)),
    ).toEqual([]);

    first.kill("SIGINT");
    expect(await exitOf(first)).toBe(0);
    expect(existsSync(join(stateDir, "sandbox.json"))).toBe(false);

    // A second start on the same state resumes it: same devices, same certificates.
    const second = startSandbox(stateDir, "3");
    children.push(second);
    const resumed = await allConnected(stateDir, 3);
    expect(resumed.map((d) => d.certificateId)).toEqual(devices.map((d) => d.certificateId));
    second.kill("SIGTERM");
    expect(await exitOf(second)).toBe(0);
  }, 90_000);

  it("fleet allowlist upload validates, diffs, and revokes removed devices; --allow seeds the list", async () => {
    const stateDir = await mkdtemp(join(tmpdir(), "fleet-sandbox-"));
    const initial = join(stateDir, "initial.txt");
    await writeFile(initial, "serial\n# lab boards\nsim-0001\nsim-0002\n");
    const child = startSandbox(stateDir, "3", ["--allow", initial]);
    children.push(child);

    const byState = async () => {
      const devices = await listDevices(stateDir);
      return Object.fromEntries(devices.map((d) => [d.serial, d]));
    };
    const seeded = await waitFor(
      "sim-0001 and sim-0002 connected, sim-0003 denied",
      async () => {
        const d = await byState();
        return d["sim-0001"]?.connected &&
          d["sim-0002"]?.connected &&
          d["sim-0003"]?.state === "denied"
          ? d
          : undefined;
      },
      30_000,
    );
    expect(seeded["sim-0003"]?.reason).toMatch(/not on the allow-list/);

    // A malformed list is refused locally, naming the line, and nothing changes.
    const bad = join(stateDir, "bad.txt");
    await writeFile(bad, "sim-0001\nnot a serial!\n");
    await expect(fleet("allowlist", "upload", bad, "--state-dir", stateDir)).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/line 2: "not a serial!"/),
    });

    // Dry run shows the diff and uploads nothing.
    const next = join(stateDir, "next.txt");
    await writeFile(next, "sim-0001\nsim-0003\n");
    const dryRun = await fleet("allowlist", "upload", next, "--dry-run", "--state-dir", stateDir);
    expect(dryRun).toMatch(/\+1 added, -1 removed, 1 unchanged/);
    expect(dryRun).toMatch(/dry run: nothing uploaded/);

    const report = JSON.parse(
      await fleet("allowlist", "upload", next, "--json", "--state-dir", stateDir),
    );
    expect(report.diff).toMatchObject({ added: 1, removed: 1, unchanged: 1 });
    expect(report.uploaded.reconcile.removed).toEqual([
      { serial: "sim-0002", thingName: "sim-0002" },
    ]);
    // The reconcile revokes sim-0002 at once; the device then tries to provision again and is
    // denied (its newest ledger entry), so the two are observed one after the other.
    const revoked = await waitFor(
      "sim-0002 revoked",
      async () => {
        const d = await byState();
        return d["sim-0002"]?.state === "revoked" ? d : undefined;
      },
      30_000,
    );
    expect(revoked["sim-0002"]).toMatchObject({ connected: false, thingName: null });
    expect(revoked["sim-0002"]?.reason).toMatch(/removed from the allow-list/);
    await waitFor(
      "sim-0003 provisioned and connected",
      async () => {
        const d = await byState();
        return d["sim-0003"]?.state === "provisioned" && d["sim-0003"]?.connected ? d : undefined;
      },
      // sim-0003 was denied a few times before: its next claim attempt can be up to the
      // device's 15 s retry ceiling away, and the whole suite shares two cores.
      60_000,
    );

    child.kill("SIGINT");
    expect(await exitOf(child)).toBe(0);
  }, 150_000);

  it("leaves no device process behind when the sandbox itself is killed", async () => {
    const stateDir = await mkdtemp(join(tmpdir(), "fleet-sandbox-"));
    const child = startSandbox(stateDir, "2");
    children.push(child);
    await allConnected(stateDir, 2);
    const devicePids = async () => {
      try {
        return (await run("pgrep", ["-f", join(stateDir, "devices")])).stdout.trim().split("\n");
      } catch {
        return []; // pgrep exits 1 when nothing matches
      }
    };
    expect(await devicePids()).toHaveLength(2);
    child.kill("SIGKILL");
    await waitFor(
      "device processes to exit",
      async () => ((await devicePids()).length === 0 ? true : undefined),
      15_000,
    );
  }, 60_000);

  it("fleet rotation start moves a device to a new certificate and status shows it committed", async () => {
    const stateDir = await mkdtemp(join(tmpdir(), "fleet-sandbox-"));
    const child = startSandbox(stateDir, "1", ["--cert-validity", "10m"]);
    children.push(child);
    const [before] = await allConnected(stateDir, 1);
    expect(Date.parse(before?.notAfter ?? "") - Date.now()).toBeLessThanOrEqual(10 * 60_000);

    const [started] = JSON.parse(
      await fleet("rotation", "start", "--device", "sim-0001", "--json", "--state-dir", stateDir),
    ) as { rotationId: string; oldCertificateId: string }[];
    expect(started?.oldCertificateId).toBe(before?.certificateId);

    const committed = await waitFor(
      "the rotation committed",
      async () => {
        const rotations = JSON.parse(
          await fleet("rotation", "status", "--json", "--state-dir", stateDir),
        ) as { rotationId: string; step: string; newCertificateId: string | null }[];
        const rotation = rotations.find((r) => r.rotationId === started?.rotationId);
        return rotation?.step === "committed" ? rotation : undefined;
      },
      30_000,
    );
    const [after] = await allConnected(stateDir, 1);
    expect(after?.certificateId).toBe(committed.newCertificateId);
    expect(after?.certificateId).not.toBe(before?.certificateId);

    child.kill("SIGINT");
    expect(await exitOf(child)).toBe(0);
  }, 90_000);

  it("refuses to start a second sandbox on a state dir that is in use", async () => {
    const stateDir = await mkdtemp(join(tmpdir(), "fleet-sandbox-"));
    const first = startSandbox(stateDir, "0");
    children.push(first);
    await waitFor(
      "sandbox.json",
      async () => (existsSync(join(stateDir, "sandbox.json")) ? true : undefined),
      15_000,
    );

    const second = startSandbox(stateDir, "0");
    children.push(second);
    let stderr = "";
    second.stderr?.on("data", (chunk) => {
      stderr += String(chunk);
    });
    expect(await exitOf(second)).toBe(1);
    expect(stderr).toMatch(/a sandbox is already running on state dir .* \(pid \d+/);

    first.kill("SIGINT");
    expect(await exitOf(first)).toBe(0);
  });
});
