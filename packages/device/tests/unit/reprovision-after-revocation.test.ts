import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { type DeviceConfigInput, parseDeviceConfig } from "../../src/config.ts";
import type { SessionEnd } from "../../src/connection/session.ts";
import { type Device, type DevicePhase, startDevice } from "../../src/device.ts";
import { createCaptureLogger } from "../support/capture-logger.ts";
import { createFakeCloud, HOOK_DENIED, TEMPLATE } from "../support/fake-cloud.ts";
import { createFakeSessions } from "../support/fake-sessions.ts";
import { createTestPki, type TestPki } from "../support/test-pki.ts";

const SERIAL = "10000000a3c2f1e7";
const NOW = Date.parse("2026-11-21T12:00:00.000Z");
const NOT_AUTHORIZED: SessionEnd = {
  reason: "Connection refused: Not authorized",
  returnCode: 5,
  certificateRejected: true,
};
const KICKED: SessionEnd = { reason: "client disconnecting" };

/**
 * How the broker answers the thing's connects, in order ("accept" once the queue is empty).
 * Claim connections are always accepted.
 */
type ThingOutcome = "accept" | SessionEnd;

describe("a device whose certificate is revoked provisions again by itself", () => {
  let pki: TestPki;
  let dir: string;
  const devices: Device[] = [];
  beforeAll(async () => {
    pki = await createTestPki(SERIAL);
  });
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "fleet-device-revoked-"));
    await writeFile(join(dir, "ca.pem"), pki.caPem);
    await writeFile(join(dir, "claim.pem"), pki.claim.certPem);
    await writeFile(join(dir, "claim.key"), pki.claim.keyPem);
  });
  afterEach(async () => {
    await Promise.all(devices.splice(0).map((device) => device.stop()));
    await rm(dir, { recursive: true, force: true });
  });

  const credentials = (file = "") => join(dir, "credentials", file);
  const mode = async (path: string) => (await stat(path)).mode & 0o777;

  /** `now`: the device's clock. */
  async function start(overrides: Partial<DeviceConfigInput> = {}, now = NOW) {
    const cloud = createFakeCloud(pki);
    const thingOutcomes: ThingOutcome[] = [];
    let connects = 0;
    const fakes = createFakeSessions({
      onPublish: cloud.onPublish,
      onOpen: (session) => {
        const outcome = session.target.clientId.startsWith("claim-")
          ? "accept"
          : (thingOutcomes.shift() ?? "accept");
        if (outcome !== "accept") session.end(outcome);
        else {
          if (!session.target.clientId.startsWith("claim-")) connects += 1;
          session.accept();
        }
      },
    });
    const { logger, lines } = createCaptureLogger();
    const config = parseDeviceConfig(
      {
        serial: SERIAL,
        endpoint: { host: "127.0.0.1" },
        tls: { caFile: join(dir, "ca.pem") },
        credentialsDir: credentials(),
        provisioning: {
          claimCertFile: join(dir, "claim.pem"),
          claimKeyFile: join(dir, "claim.key"),
          templateName: TEMPLATE,
          retry: { initialDelayMs: 0, maxDelayMs: 1 },
        },
        reconnect: { initialDelayMs: 0, maxDelayMs: 1 },
        ...overrides,
      },
      "device.json",
    );
    const device = await startDevice(config, {
      openSession: fakes.open,
      logger,
      clock: { now: () => now },
      // These tests follow flows; the CONNECT spacing has its own tests.
      minConnectIntervalMs: 0,
      connectJitterMs: 0,
    });
    devices.push(device);
    const phases: DevicePhase[] = [];
    device.events.on("phase", ({ phase }) => phases.push(phase));
    /** Waits until the broker has accepted the thing `count` times and it is connected. */
    const connected = (count: number) =>
      vi.waitFor(() => {
        expect(connects).toBe(count);
        expect(device.state).toBe("connected");
      });
    const claimSessions = () =>
      fakes.sessions.filter((s) => s.target.clientId.startsWith("claim-")).length;
    /** The broker drops the live thing session, then answers the next connects with `outcomes`. */
    const kickThen = (...outcomes: ThingOutcome[]) => {
      thingOutcomes.push(...outcomes);
      fakes.latest().end(KICKED);
    };
    return { device, cloud, phases, lines, connected, claimSessions, kickThen };
  }

  const readCredentials = async (path: string) => ({
    cert: await readFile(join(path, "cert.pem"), "utf8"),
    key: await readFile(join(path, "key.pem"), "utf8"),
  });

  it("after 3 not-authorized refusals in a row it backs up the revoked certificate and provisions with a fresh key", async () => {
    const { device, cloud, phases, lines, connected, claimSessions, kickThen } = await start();
    await connected(1);
    const old = await readCredentials(credentials());

    // Still off the allow-list at first: the hook denies twice, then the operator adds it back.
    cloud.answers.register.push({ reject: HOOK_DENIED }, { reject: HOOK_DENIED });
    const revoked = new Promise((resolve) => device.events.once("credentialsRevoked", resolve));
    kickThen(NOT_AUTHORIZED, NOT_AUTHORIZED, NOT_AUTHORIZED);
    const backup = credentials("revoked/2026-11-21T12-00-00.000Z");
    expect(await revoked).toEqual({
      reason: NOT_AUTHORIZED.reason,
      returnCode: 5,
      refusals: 3,
      movedTo: backup,
    });
    await connected(2);

    expect(await readCredentials(backup)).toEqual(old);
    expect(await mode(credentials("revoked"))).toBe(0o700);
    expect(await mode(backup)).toBe(0o700);
    expect(await mode(join(backup, "key.pem"))).toBe(0o600);
    expect(await mode(join(backup, "cert.pem"))).toBe(0o600);
    const fresh = await readCredentials(credentials());
    expect(fresh.key).not.toBe(old.key);
    expect(fresh.cert).not.toBe(old.cert);
    expect(await mode(credentials("key.pem"))).toBe(0o600);

    expect(claimSessions()).toBe(4); // first boot, two denied attempts, the accepted one
    expect(phases).toEqual(["running", "provisioning", "running"]);
    expect(lines().find((line) => line.msg === "credentials.revoked")).toMatchObject({
      level: 40,
      reason: NOT_AUTHORIZED.reason,
      returnCode: 5,
      refusals: 3,
      movedTo: backup,
    });
    const denials = lines().filter((line) => line.msg === "provisioning.failed");
    expect(denials).toHaveLength(2);
    expect(denials[0]).toMatchObject({ step: "register-thing", errorCode: "AccessDenied" });
    expect(denials[0]?.errorMessage).toBe(HOOK_DENIED.errorMessage);
  });

  it("counts a TLS alert rejecting its certificate like a not-authorized CONNACK", async () => {
    const { device, connected, claimSessions, kickThen } = await start();
    await connected(1);
    const revoked = new Promise((resolve) => device.events.once("credentialsRevoked", resolve));
    // How AWS IoT Core is reported to refuse a deactivated certificate: in the handshake.
    const alert: SessionEnd = {
      reason: "SSL alert number 46: certificate unknown",
      certificateRejected: true,
    };
    kickThen(alert, NOT_AUTHORIZED, alert);
    expect(await revoked).toMatchObject({ refusals: 3, reason: alert.reason });
    await connected(2);
    expect(claimSessions()).toBe(2);
  });

  it("provisions again at the first refusal of its certificate as expired (TLS alert 45)", async () => {
    const { device, connected, claimSessions, kickThen, lines } = await start();
    await connected(1);
    const revoked = new Promise((resolve) => device.events.once("credentialsRevoked", resolve));
    const expired: SessionEnd = {
      reason: "ssl/tls alert certificate expired",
      certificateRejected: true,
      certificateExpired: true,
    };
    kickThen(expired);
    expect(await revoked).toMatchObject({ refusals: 1, expired: true, reason: expired.reason });
    await connected(2);
    expect(claimSessions()).toBe(2);
    expect(lines().find((line) => line.msg === "credentials.expired")).toMatchObject({
      level: 40,
      expired: true,
    });
  });

  it("provisions again at start when its own clock is past its certificate's notAfter", async () => {
    const first = await start();
    await first.connected(1);
    const old = await readCredentials(credentials());
    await devices.pop()?.stop();

    // The certificates of these tests live a day: the device was off for two.
    const later = Date.now() + 2 * 86_400_000;
    const { connected, claimSessions, lines } = await start({}, later);
    await connected(1);

    expect(claimSessions()).toBe(1);
    expect((await readCredentials(credentials())).cert).not.toBe(old.cert);
    const backup = credentials(`revoked/${new Date(later).toISOString().replaceAll(":", "-")}`);
    expect(await readCredentials(backup)).toEqual(old);
    expect(lines().find((line) => line.msg === "credentials.expired")).toMatchObject({
      movedTo: backup,
    });
  });

  it("does not provision again after two refusals followed by a connection", async () => {
    const { connected, claimSessions, kickThen, lines } = await start();
    await connected(1);
    const old = await readCredentials(credentials());

    kickThen(NOT_AUTHORIZED, NOT_AUTHORIZED, "accept");
    await connected(2);
    // The connection reset the count: two more refusals are again only two.
    kickThen(NOT_AUTHORIZED, NOT_AUTHORIZED, "accept");
    await connected(3);

    expect(await readCredentials(credentials())).toEqual(old);
    expect(await readdir(credentials())).not.toContain("revoked");
    expect(claimSessions()).toBe(1);
    expect(lines().filter((line) => line.msg === "connection.refused")).toHaveLength(4);
  });

  it("never counts network errors, TLS failures, timeouts or other refusals", async () => {
    const { phases, connected, claimSessions, kickThen } = await start();
    await connected(1);
    const old = await readCredentials(credentials());

    kickThen(
      { reason: "connect ECONNREFUSED 127.0.0.1:8883" },
      { reason: "Client network socket disconnected before secure TLS connection was established" },
      { reason: "unable to verify the first certificate" },
      { reason: "connack timeout" },
      { reason: "Connection refused: Server unavailable", returnCode: 3 },
      { reason: "Connection refused: Bad username or password", returnCode: 4 },
      { reason: "read ECONNRESET" },
      "accept",
    );
    await connected(2);

    expect(await readCredentials(credentials())).toEqual(old);
    expect(claimSessions()).toBe(1);
    expect(phases).toEqual(["running"]);
  });

  it("keeps retrying refusals without a provisioning section: it has no claim to fall back on", async () => {
    await writeFile(join(dir, "cert.pem"), pki.device.certPem);
    await writeFile(join(dir, "key.pem"), pki.device.keyPem);
    const { device, connected, kickThen } = await start({
      provisioning: undefined,
      tls: {
        caFile: join(dir, "ca.pem"),
        certFile: join(dir, "cert.pem"),
        keyFile: join(dir, "key.pem"),
      },
    });
    await connected(1);
    kickThen(...Array<ThingOutcome>(6).fill(NOT_AUTHORIZED), "accept");
    await connected(2);
    expect(device.phase).toBe("running");
    expect(await readdir(dir)).not.toContain("revoked");
    expect(await readFile(join(dir, "cert.pem"), "utf8")).toBe(pki.device.certPem);
  });
});
