import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import type { ReconcileSummary } from "@fleet/core";
import { claimClientId, type DeviceView, telemetryTopic } from "@fleet/core/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SandboxApi, sandboxFleetOperations, startSandboxApi } from "../../src/index.ts";
import { apiFetch } from "./api-fetch.ts";
import {
  type ClientCredentials,
  connectClient,
  nextEvent,
  startTestSandbox,
  waitFor,
  whenClosed,
} from "./sandbox-fixture.ts";

const DEVICE_BIN = fileURLToPath(
  new URL("../../../device/src/bin/fleet-device.ts", import.meta.url),
);
const [A, B, C, D] = ["SN-PROV-A001", "SN-PROV-B002", "SN-PROV-C003", "SN-PROV-D004"] as const;
describe("provisioning by claim against the allow-list (real fleet-device processes)", () => {
  let env: Awaited<ReturnType<typeof startTestSandbox>>;
  let api: SandboxApi;
  const devices = new Map<string, ChildProcess>();
  /** Each device's JSON log lines (level warn and above), in order. */
  const logs = new Map<string, Record<string, unknown>[]>();

  const credentialsDir = (serial: string) => join(env.dir, "devices", serial, "credentials");
  /** The first log line `msg` of the device, after the line `after` when given. */
  const logLine = (serial: string, msg: string, after?: Record<string, unknown>) =>
    waitFor(`${serial} to log ${msg}`, async () => {
      const lines = logs.get(serial) ?? [];
      const from = after === undefined ? 0 : lines.indexOf(after) + 1;
      return lines.slice(from).find((line) => line.msg === msg);
    });

  async function startDevice(serial: string): Promise<void> {
    const dir = join(env.dir, "devices", serial);
    const { claim } = env.sandbox;
    const configPath = join(dir, "config.json");
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    await writeFile(
      configPath,
      JSON.stringify({
        serial,
        endpoint: env.sandbox.mqtt,
        tls: { caFile: claim.caFile },
        credentialsDir: credentialsDir(serial),
        provisioning: {
          claimCertFile: claim.certFile,
          claimKeyFile: claim.keyFile,
          templateName: claim.templateName,
          replyTimeoutMs: 10_000,
          retry: { initialDelayMs: 100, maxDelayMs: 500 },
          reprovisionAfterRefusals: 3,
        },
        heartbeatIntervalSeconds: 60,
        reconnect: { initialDelayMs: 100, maxDelayMs: 500 },
      }),
    );
    const child = spawn(
      process.execPath,
      [DEVICE_BIN, "--config", configPath, "--log-level", "warn"],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    devices.set(serial, child);
    const lines: Record<string, unknown>[] = [];
    logs.set(serial, lines);
    createInterface({ input: child.stdout as Readable }).on("line", (line) => {
      lines.push(JSON.parse(line) as Record<string, unknown>);
    });
  }

  async function stopDevice(serial: string): Promise<void> {
    const child = devices.get(serial);
    devices.delete(serial);
    if (child === undefined || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGCONT"); // a frozen device (see below) must run to handle SIGTERM
    child.kill("SIGTERM");
    await exited;
  }

  async function upload(serials: readonly string[]): Promise<{ reconcile: ReconcileSummary }> {
    const response = await apiFetch(api, `/v1/allowlist`, {
      method: "PUT",
      headers: { "content-type": "application/octet-stream" },
      body: `serial\n${serials.join("\n")}\n`,
    });
    expect(response.status).toBe(200);
    return (await response.json()) as { reconcile: ReconcileSummary };
  }

  async function device(serial: string): Promise<DeviceView | undefined> {
    const response = await apiFetch(api, `/v1/devices`);
    const views = (await response.json()) as DeviceView[];
    return views.find((view) => view.serial === serial);
  }

  const deviceWhere = (serial: string, what: string, test: (view: DeviceView) => boolean) =>
    waitFor(`${serial} ${what}`, async () => {
      const view = await device(serial);
      return view !== undefined && test(view) ? view : undefined;
    });

  beforeAll(async () => {
    env = await startTestSandbox("provisioning");
    api = await startSandboxApi(sandboxFleetOperations(env.sandbox));
  });

  afterAll(async () => {
    await Promise.all([...devices.keys()].map(stopDevice));
    await api.close();
    await env.stop();
  });

  it("provisions allow-listed devices and denies the others with the hook's reason", async () => {
    await upload([A, B]);
    await Promise.all([A, B, C].map(startDevice));

    for (const serial of [A, B]) {
      const view = await deviceWhere(serial, "provisioned and connected", (v) => v.connected);
      expect(view).toMatchObject({ thingName: serial, state: "provisioned", reason: null });
      expect(env.sandbox.registry.listThingGroupsForThing(serial)).toEqual([
        "fleet-sandbox-devices",
      ]);
    }
    const denied = await deviceWhere(C, "denied", (v) => v.state === "denied");
    expect(denied.reason).toMatch(`serial "${C}" is not on the allow-list`);
    expect(env.sandbox.registry.findThing(C)).toBeUndefined();
  });

  it("revokes a device removed from the list: disconnected, thing gone, old certificate refused", async () => {
    const certificateId = (await device(B))?.certificateId;
    expect(certificateId).toMatch(/^[0-9a-f]{64}$/);
    // B is frozen, like a board that is switched off, so that this test sees the revocation
    // before B reacts to it (the next test lets it run on).
    devices.get(B)?.kill("SIGSTOP");
    const disconnected = nextEvent(env.sandbox, "client-disconnected", (e) => e.clientId === B);
    const { reconcile } = await upload([A]);

    expect(reconcile).toMatchObject({ status: "reconciled", failures: [] });
    expect(reconcile.removed).toEqual([{ serial: B, thingName: B }]);
    expect((await disconnected).disconnectReason).toBe("AUTH_ERROR");
    expect(env.sandbox.registry.findThing(B)).toBeUndefined();
    const view = await deviceWhere(B, "revoked", (v) => v.state === "revoked");
    expect(view).toMatchObject({ connected: false, certificateId: null });
    expect(view.reason).toMatch("removed from the allow-list");
    expect((await device(A))?.connected).toBe(true);

    const old: ClientCredentials = {
      ca: env.sandbox.caCertPem,
      cert: await readFile(join(credentialsDir(B), "cert.pem"), "utf8"),
      key: await readFile(join(credentialsDir(B), "key.pem"), "utf8"),
    };
    const refused = nextEvent(env.sandbox, "connect-refused", (e) => e.clientId === B);
    await expect(connectClient(env.sandbox, old, B)).rejects.toThrow(/Not authorized/i);
    expect((await refused).reason).toContain(certificateId);
  });

  it("a revoked device backs up its refused certificate and keeps asking; re-added, it comes back by itself", async () => {
    const oldCert = await readFile(join(credentialsDir(B), "cert.pem"), "utf8");
    devices.get(B)?.kill("SIGCONT");

    // Refused as not authorized three times in a row: B concludes its certificate was revoked.
    const revoked = await logLine(B, "credentials.revoked");
    expect(revoked).toMatchObject({ returnCode: 5, refusals: 3 });
    expect(revoked.reason).toMatch(/Not authorized/i);
    const [backup, ...others] = await readdir(join(credentialsDir(B), "revoked"));
    expect(others).toEqual([]);
    const backupDir = join(credentialsDir(B), "revoked", backup as string);
    expect(revoked.movedTo).toBe(backupDir);
    expect(await readFile(join(backupDir, "cert.pem"), "utf8")).toBe(oldCert);

    // Still off the list: the hook denies B, which logs the reason and retries with backoff.
    const denied = await deviceWhere(B, "denied", (v) => v.state === "denied");
    expect(denied.reason).toMatch(`serial "${B}" is not on the allow-list`);
    const failure = await logLine(B, "provisioning.failed", revoked);
    expect(failure.errorMessage).toMatch(`serial "${B}" is not on the allow-list`);

    // The operator adds B back; nobody touches the board.
    await upload([A, B]);
    const view = await deviceWhere(B, "provisioned again", (v) => v.connected);
    expect(view).toMatchObject({ state: "provisioned", reason: null });
    expect(await readFile(join(credentialsDir(B), "cert.pem"), "utf8")).not.toBe(oldCert);
    expect(await readFile(join(backupDir, "cert.pem"), "utf8")).toBe(oldCert);
  });

  it("disconnects the claim certificate when it publishes telemetry", async () => {
    const { claim } = env.sandbox;
    const [cert, key] = await Promise.all([
      readFile(claim.certFile, "utf8"),
      readFile(claim.keyFile, "utf8"),
    ]);
    // A serial no running device uses: C's own claim connections would take over this client id.
    const clientId = claimClientId(D);
    const client = await env.connect({ ca: env.sandbox.caCertPem, cert, key }, clientId);
    const denied = nextEvent(env.sandbox, "publish-denied", (e) => e.clientId === clientId);
    const closed = whenClosed(client);
    client.publish(telemetryTopic(D), JSON.stringify({ forged: true }));
    expect((await denied).reason).toMatch(/iot:Publish .* denied/);
    await closed;
  });
});
