import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadDeviceConfig } from "../../src/config.ts";
import { DeviceConfigError } from "../../src/errors.ts";

const VALID = {
  serial: "sim-0001",
  endpoint: { host: "127.0.0.1", port: 8883 },
  tls: { caFile: "ca.pem", certFile: "certs/cert.pem", keyFile: "/etc/fleet/key.pem" },
};

describe("loadDeviceConfig", () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "fleet-device-config-"));
    file = join(dir, "device.json");
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const write = (document: unknown) =>
    writeFile(file, typeof document === "string" ? document : JSON.stringify(document));

  const loadError = async (): Promise<DeviceConfigError> => {
    const error = await loadDeviceConfig(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeviceConfigError);
    return error as DeviceConfigError;
  };

  it("keeps apps and the local bus socket in the state directory and reboots with systemctl by default", async () => {
    await write({ ...VALID, stateDir: "state" });
    const config = await loadDeviceConfig(file);
    expect(config.apps).toEqual({ dir: join(dir, "state/apps") });
    expect(config.localBus).toEqual({ socketPath: join(dir, "state/bus.sock") });
    expect(config.reboot).toEqual({ command: ["systemctl", "reboot"] });
  });

  it("takes an apps directory, health grace, socket path and reboot command of its own", async () => {
    await write({
      ...VALID,
      apps: { dir: "apps", healthGraceMs: 500 },
      localBus: { socketPath: "/run/fleet/bus.sock" },
      reboot: { command: ["exit"] },
    });
    const config = await loadDeviceConfig(file);
    expect(config.apps).toEqual({ dir: join(dir, "apps"), healthGraceMs: 500 });
    expect(config.localBus).toEqual({ socketPath: "/run/fleet/bus.sock" });
    expect(config.reboot).toEqual({ command: ["exit"] });
  });

  it("fills documented defaults and derives the thing name from the serial", async () => {
    await write({ serial: "sim-0001", endpoint: { host: "iot.example" }, tls: VALID.tls });
    const config = await loadDeviceConfig(file);
    expect(config.thingName).toBe("sim-0001");
    expect(config.endpoint).toEqual({ host: "iot.example", port: 8883 });
    expect(config.heartbeatIntervalSeconds).toBe(30);
    expect(config.reconnect).toEqual({
      initialDelayMs: 1_000,
      maxDelayMs: 60_000,
      stableAfterMs: 30_000,
    });
  });

  it("resolves relative TLS paths against the config file's directory", async () => {
    await write(VALID);
    const config = await loadDeviceConfig(file);
    expect(config.tls).toEqual({
      caFile: join(dir, "ca.pem"),
      certFile: join(dir, "certs/cert.pem"),
      keyFile: "/etc/fleet/key.pem",
    });
  });

  it("resolves a relative release public key against the config file's directory", async () => {
    await write({ ...VALID, apps: { releasePublicKeyFile: "release-key.pub.pem" } });
    const config = await loadDeviceConfig(file);
    expect(config.apps.releasePublicKeyFile).toBe(join(dir, "release-key.pub.pem"));
  });

  it("keeps an explicit thing name", async () => {
    await write({ ...VALID, thingName: "press-line-4" });
    expect((await loadDeviceConfig(file)).thingName).toBe("press-line-4");
  });

  it("keeps a config from before telemetry sources valid: heartbeat only, state beside the key", async () => {
    await write({ ...VALID, heartbeatIntervalSeconds: 5 });
    const config = await loadDeviceConfig(file);
    expect(config.stateDir).toBe("/etc/fleet");
    expect(config.telemetry).toEqual({
      intervalSeconds: 5,
      buffer: { maxMessages: 10_000 },
      sources: {},
    });
  });

  it("fills the defaults of each configured telemetry source", async () => {
    await write({
      ...VALID,
      stateDir: "state",
      telemetry: { intervalSeconds: 1, sources: { system: {}, led: {}, vehicle: { seed: 7 } } },
    });
    const config = await loadDeviceConfig(file);
    expect(config.stateDir).toBe(join(dir, "state"));
    expect(config.telemetry).toEqual({
      intervalSeconds: 1,
      buffer: { maxMessages: 10_000 },
      sources: {
        system: {},
        led: { on: true, blinking: false, blinkHz: 1 },
        vehicle: { seed: 7 },
      },
    });
  });

  it("refuses an unknown telemetry source and an empty buffer", async () => {
    await write({ ...VALID, telemetry: { buffer: { maxMessages: 0 }, sources: { gps: {} } } });
    expect((await loadError()).issues.map((issue) => issue.path)).toEqual([
      "telemetry.buffer.maxMessages",
      "telemetry.sources",
    ]);
  });

  it("names the file when it cannot be read", async () => {
    const error = await loadError();
    expect(error.message).toContain(file);
    expect(error.message).toContain("ENOENT");
    expect(error.file).toBe(file);
  });

  it("names the file when it is not JSON", async () => {
    await write("{ serial: ");
    const error = await loadError();
    expect(error.message).toMatch(new RegExp(`^${file} is not valid JSON`));
  });

  it("names the file, the field path and what was expected for a wrong type", async () => {
    await write({ ...VALID, endpoint: { host: "127.0.0.1", port: "8883" } });
    const error = await loadError();
    expect(error.message).toContain(file);
    expect(error.message).toContain(
      "endpoint.port: Invalid input: expected number, received string",
    );
    expect(error.issues).toEqual([
      { path: "endpoint.port", message: "Invalid input: expected number, received string" },
    ]);
  });

  it("reports every missing required field", async () => {
    await write({ serial: "sim-0001" });
    const paths = (await loadError()).issues.map((issue) => issue.path);
    expect(paths).toEqual(["endpoint", "tls"]);
  });

  it("rejects a serial that cannot become a thing name", async () => {
    await write({ ...VALID, serial: "a/b" });
    const error = await loadError();
    expect(error.message).toContain("serial: a serial is 4-64 characters");
  });

  it("rejects a maxDelayMs below initialDelayMs", async () => {
    await write({ ...VALID, reconnect: { initialDelayMs: 5_000, maxDelayMs: 1_000 } });
    const error = await loadError();
    expect(error.issues).toEqual([
      {
        path: "reconnect.maxDelayMs",
        message: "must be greater than or equal to reconnect.initialDelayMs",
      },
    ]);
  });

  it("rejects unknown keys so that a typo does not fall back to a default", async () => {
    await write({ ...VALID, heartbeatIntervalSecs: 5 });
    const error = await loadError();
    expect(error.message).toContain("heartbeatIntervalSecs");
  });

  describe("provisioning by claim", () => {
    const PROVISIONING = {
      endpoint: { host: "iot.example" },
      tls: { caFile: "ca.pem" },
      credentialsDir: "credentials",
      provisioning: {
        claimCertFile: "claim/cert.pem",
        claimKeyFile: "/etc/fleet/claim/key.pem",
        templateName: "fleet-prod-provisioning",
      },
    };

    it("needs no serial, keeps credentials in credentialsDir and fills the defaults", async () => {
      await write(PROVISIONING);
      const config = await loadDeviceConfig(file);
      expect(config.serial).toBeUndefined();
      expect(config.thingName).toBeUndefined();
      expect(config.tls).toEqual({
        caFile: join(dir, "ca.pem"),
        certFile: join(dir, "credentials/cert.pem"),
        keyFile: join(dir, "credentials/key.pem"),
      });
      expect(config.provisioning).toEqual({
        claimCertFile: join(dir, "claim/cert.pem"),
        claimKeyFile: "/etc/fleet/claim/key.pem",
        templateName: "fleet-prod-provisioning",
        replyTimeoutMs: 30_000,
        retry: { initialDelayMs: 2_000, maxDelayMs: 300_000 },
        reprovisionAfterRefusals: 3,
      });
    });

    it("refuses a thing name of its own, which the template would not register", async () => {
      await write({ ...PROVISIONING, serial: "sim-0001", thingName: "press-line-4" });
      expect((await loadError()).issues).toEqual([
        {
          path: "thingName",
          message: "not allowed with provisioning: the template names the thing after the serial",
        },
      ]);
    });

    it("asks for the credential files when neither tls nor credentialsDir names them", async () => {
      await write({ ...PROVISIONING, credentialsDir: undefined });
      expect((await loadError()).issues).toEqual([
        { path: "tls.certFile", message: "required unless credentialsDir is set" },
        { path: "tls.keyFile", message: "required unless credentialsDir is set" },
      ]);
    });

    it("names the field of a template name AWS IoT would refuse", async () => {
      await write({
        ...PROVISIONING,
        provisioning: { ...PROVISIONING.provisioning, templateName: "a b" },
      });
      expect((await loadError()).issues.map((i) => i.path)).toEqual(["provisioning.templateName"]);
    });

    it("refuses a refusal count below one, which would give up a working certificate", async () => {
      await write({
        ...PROVISIONING,
        provisioning: { ...PROVISIONING.provisioning, reprovisionAfterRefusals: 0 },
      });
      expect((await loadError()).issues.map((i) => i.path)).toEqual([
        "provisioning.reprovisionAfterRefusals",
      ]);
    });
  });
});
