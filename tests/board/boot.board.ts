// `npm run test:board`: the generic Arm SystemReady image (scripts/board/build-image.ts) booted
// in qemu-system-aarch64's virt machine with EDK2, provisioning itself into a sandbox on this
// host, then driven through the fleet's life: telemetry, an app update, an OS update with its
// reboot, a certificate rotation and a power cut. Each step has its own time bound; the board
// runs under software emulation (TCG), so the bounds are minutes. Not part of `npm test`.
import { execFileSync } from "node:child_process";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { type DeviceView, thingNameFromSerial } from "@fleet/core/contracts";
import { type Sandbox, startSandbox } from "@fleet/sandbox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildBoardImage } from "../../scripts/board/build-image.ts";
import { buildApp } from "../../scripts/build-app.ts";
import { buildDevice } from "../../scripts/build-device.ts";
import { type Board, createBoard } from "./qemu-board.ts";
import {
  artifactForwarder,
  BOARD_PROBE_UNIT,
  BOARD_PROBE_UNIT_PATH,
  BOARD_TEST_JOURNALD,
  BOARD_TEST_JOURNALD_PATH,
  BOARD_TEST_KERNEL_ARGS,
  probeRssKib,
} from "./test-image-additions.ts";

const repo = join(dirname(fileURLToPath(import.meta.url)), "../..");
const SERIAL = "SN-BOARD-0001";
const THING = thingNameFromSerial(SERIAL);
/** The host as a QEMU guest on user networking sees it (forwarded to the host's loopback). */
const GUEST_HOST = "10.0.2.2";
const MINUTE = 60_000;
/** Power-on to the client's first log line: firmware, GRUB, kernel, systemd, Node under TCG. */
const BOOT_MS = 10 * MINUTE;
const BOOT_BANNER = /Booting Linux on physical CPU/;
/** Set from fleet-boot.txt on the ESP, as a user would from any OS before the first boot. */
const HOSTNAME = "greenhouse-7";

/** Polls `check` until it returns a value (not undefined) or `timeoutMs` passes. */
async function waitFor<T>(
  what: string,
  timeoutMs: number,
  check: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(2_000);
  }
}

describe("the fleet board image, booted in an emulated Arm SystemReady machine", () => {
  const dir = join(repo, ".board/run");
  let sandbox: Sandbox;
  let board: Board;
  let firstBootLine: Promise<string>;
  let hostnameLine: Promise<string>;

  beforeAll(async () => {
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    const device = await buildDevice(join(dir, "device"), "arm64");
    sandbox = await startSandbox({ stateDir: join(dir, "sandbox"), deviceHost: GUEST_HOST });
    await sandbox.uploadAllowList(Buffer.from(`serial\n${SERIAL}\n`), { allowEmpty: false });
    const caFile = join(dir, "root-ca.pem");
    await writeFile(caFile, sandbox.caCertPem);
    const disk = await buildBoardImage({
      deviceTarball: device.tarball as string,
      // As the SystemReady image's default: MQTT with ALPN x-amzn-mqtt-ca (port 443 on AWS).
      endpoint: { host: GUEST_HOST, port: sandbox.mqtt.port, alpn: "x-amzn-mqtt-ca" },
      templateName: sandbox.claim.templateName,
      claimCertFile: sandbox.claim.certFile,
      claimKeyFile: sandbox.claim.keyFile,
      rootCaFile: caFile,
      releasePublicKeyFile: sandbox.releaseKey.publicKeyFile,
      output: join(dir, "board.img"),
      kernelArgs: BOARD_TEST_KERNEL_ARGS,
      espFiles: { "fleet-boot.txt": `hostname=${HOSTNAME}\r\n` },
      rootFiles: {
        [BOARD_PROBE_UNIT_PATH]: BOARD_PROBE_UNIT,
        [BOARD_TEST_JOURNALD_PATH]: BOARD_TEST_JOURNALD,
        ...artifactForwarder(Number(new URL(sandbox.artifactServer.origin).port)),
      },
    });
    board = createBoard({ disk, serial: SERIAL, dir });
    firstBootLine = board.next(
      /fleet-firstboot: serial \S+ from \S+/,
      BOOT_MS,
      "the first boot's serial",
    );
    hostnameLine = board.next(/fleet-firstboot: hostname \S+ from \S+/, BOOT_MS, "the hostname");
    board.powerOn();
  });

  afterAll(async () => {
    await board?.dispose();
    await sandbox?.close();
  });

  const view = async (): Promise<DeviceView | undefined> =>
    (await sandbox.listDevices()).find((device) => device.serial === SERIAL);
  const connected = (what: string, timeoutMs: number) =>
    waitFor(what, timeoutMs, async () => {
      const device = await view();
      return device?.state === "provisioned" && device.connected ? device : undefined;
    });
  const settled = (jobId: string, timeoutMs: number) =>
    waitFor(`job ${jobId} to end`, timeoutMs, async () => {
      const { executions } = await sandbox.describeJob(jobId);
      const execution = executions.find((e) => e.thingName === THING);
      return execution !== undefined &&
        execution.status !== "QUEUED" &&
        execution.status !== "IN_PROGRESS"
        ? execution
        : undefined;
    });
  /** Each stored message's sequence number and the time the board took it (ms). */
  const messageTimesSince = async (since: Date): Promise<Map<number, number>> =>
    new Map(
      (await sandbox.queryTelemetry({ thing: THING, since, limit: 100_000 })).map((s) => [
        s.seq,
        s.time.getTime(),
      ]),
    );

  it(
    "first boot reads the serial from the firmware's SMBIOS (DMI) table",
    async () => {
      expect(await firstBootLine).toContain(
        `serial ${SERIAL} from /sys/class/dmi/id/product_serial`,
      );
    },
    BOOT_MS,
  );

  it(
    "first boot applies the hostname from fleet-boot.txt on the boot (FAT) partition",
    async () => {
      expect(await hostnameLine).toContain(`hostname ${HOSTNAME} from /boot/efi/fleet-boot.txt`);
    },
    BOOT_MS,
  );

  it(
    "provisions by claim and shows as connected in fleet devices",
    async () => {
      const device = await connected("the board to provision and connect", 5 * MINUTE);
      expect(device.thingName).toBe(THING);
    },
    6 * MINUTE,
  );

  it(
    "sends telemetry that can be queried",
    async () => {
      const samples = await waitFor("the board's telemetry", 3 * MINUTE, async () => {
        const found = await sandbox.queryTelemetry({ thing: THING, since: new Date(0) });
        return found.some((s) => s.measure.startsWith("system.")) ? found : undefined;
      });
      expect(samples.length).toBeGreaterThan(0);
    },
    4 * MINUTE,
  );

  it(
    "measures the client's resident memory after 60 s at one message a second",
    async () => {
      await sandbox.jobs.createJob({
        jobId: "board-telemetry-1s",
        document: {
          version: "1",
          steps: [{ operation: "configure", settings: { telemetryIntervalMs: 1_000 } }],
        },
        targets: [THING],
      });
      expect((await settled("board-telemetry-1s", 3 * MINUTE)).status).toBe("SUCCEEDED");
      const from = new Date();
      await sleep(60_000);
      const rate = (await messageTimesSince(from)).size / 60;
      const line = await board.next(/board-probe: fleet-device VmRSS/, 30_000, "a probe line");
      const rssKib = probeRssKib(line) as number;
      console.log(
        `fleet-device on the emulated arm64 board after 60 s at ${rate.toFixed(2)} msg/s: RSS ${(rssKib / 1024).toFixed(1)} MiB`,
      );
      expect(rate).toBeGreaterThan(0.5);
      // The unit's MemoryMax is 128 MiB.
      expect(rssKib).toBeLessThan(128 * 1024);
    },
    5 * MINUTE,
  );

  it(
    "installs an app update (OTA) and runs the new version",
    async () => {
      const artifact = await buildApp(join(repo, "apps/led"), join(dir, "apps"), {
        version: "1.1.0",
      });
      const release = await sandbox.createRelease({
        artifactPath: artifact.file,
        targets: [THING],
      });
      const execution = await settled(release.fleetJobId as string, 5 * MINUTE);
      expect(execution.status).toBe("SUCCEEDED");
      await waitFor("the board to report led 1.1.0", 2 * MINUTE, async () =>
        (await view())?.apps.led === "1.1.0" ? true : undefined,
      );
    },
    8 * MINUTE,
  );

  it(
    "runs an OS update once, reboots, then reports it SUCCEEDED and reconnects",
    async () => {
      const boots = board.lines.filter((line) => BOOT_BANNER.test(line)).length;
      const rebooted = board.next(BOOT_BANNER, 5 * MINUTE, "the reboot");
      await sandbox.jobs.createJob({
        jobId: "board-os-update",
        document: {
          version: "1",
          steps: [
            {
              operation: "os-update",
              version: "2026.12",
              commands: ["echo 2026.12 >> /var/lib/fleet/os-update.log"],
            },
          ],
        },
        targets: [THING],
      });
      await rebooted;
      const execution = await settled("board-os-update", BOOT_MS);
      expect(execution.status).toBe("SUCCEEDED");
      await connected("the board to reconnect after the reboot", 2 * MINUTE);
      expect(board.lines.filter((line) => BOOT_BANNER.test(line)).length).toBe(boots + 1);
      const reported = sandbox.shadows.get(THING) as {
        state: { reported?: { osVersion?: string } };
      };
      expect(reported.state.reported?.osVersion).toBe("2026.12");
    },
    18 * MINUTE,
  );

  it(
    "completes a certificate rotation and reconnects with the new certificate",
    async () => {
      const before = (await connected("the board", MINUTE)).certificateId;
      const rotation = await sandbox.startRotation(THING);
      await waitFor("the rotation to commit", 5 * MINUTE, async () => {
        const record = (await sandbox.listRotations()).find(
          (r) => r.rotationId === rotation.rotationId,
        );
        expect(record?.step).not.toMatch(/timed-out|failed/);
        return record?.step === "committed" ? record : undefined;
      });
      const after = await waitFor("the board on its new certificate", 3 * MINUTE, async () => {
        const device = await view();
        return device?.connected && device.certificateId !== before ? device : undefined;
      });
      expect(after.certificateId).not.toBeNull();
    },
    9 * MINUTE,
  );

  it(
    "loses no acknowledged telemetry when the power is cut mid-stream",
    async () => {
      const from = new Date();
      const acknowledged = await waitFor("ten messages at one a second", 2 * MINUTE, async () => {
        const times = await messageTimesSince(from);
        return times.size >= 10 ? times : undefined;
      });
      await board.powerCut();
      const cutAt = Date.now();
      const highest = Math.max(...acknowledged.keys());
      board.powerOn();
      await connected("the board to reconnect after the power cut", BOOT_MS);
      const after = await waitFor("telemetry after the power cut", 3 * MINUTE, async () => {
        const times = await messageTimesSince(from);
        return [...times.keys()].some((seq) => seq > highest + 5) ? times : undefined;
      });
      // Every message the broker acknowledged before the cut is still there, unchanged: its
      // number was not reused by a message taken after the next boot.
      for (const [seq, time] of acknowledged) expect(after.get(seq)).toBe(time);
      for (const [seq, time] of after) {
        if (seq <= highest) expect(time).toBeLessThan(cutAt);
      }
      // Numbers continue where they stopped: none skipped.
      const missing = [];
      for (let seq = Math.min(...acknowledged.keys()); seq <= Math.max(...after.keys()); seq++) {
        if (!after.has(seq)) missing.push(seq);
      }
      expect(missing).toEqual([]);
    },
    16 * MINUTE,
  );
});

// The image builder needs the Debian tools and root; say so before a long build fails.
if (process.getuid?.() !== 0) {
  throw new Error(
    "npm run test:board builds a disk image with chroot and file owners: run it as root",
  );
}
execFileSync(join(repo, "scripts/board/ensure-board-tools.sh"), { stdio: "inherit" });
