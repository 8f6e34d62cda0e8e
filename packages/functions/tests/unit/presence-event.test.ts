import type { ContractViolationError } from "@fleet/core";
import type { Context } from "aws-lambda";
import {
  afterEach,
  beforeAll,
  beforeEach,
  describe,
  expect,
  it,
  type MockInstance,
  vi,
} from "vitest";
import type { InvalidEnvironmentError } from "../../src/errors.ts";
import { context, emfRecords, fixture, logRecords } from "./lambda-test-kit.ts";

const ENV = {
  POWERTOOLS_SERVICE_NAME: "device-presence",
  POWERTOOLS_METRICS_NAMESPACE: "fleet/test",
};

type Handler = (event: unknown, context: Context) => Promise<void>;

/** A fresh module instance, so each load is a cold start (and its error classes are its own). */
async function loadHandler(): Promise<Handler> {
  vi.resetModules();
  const module = await import("../../src/handlers/presence-event.ts");
  return module.handler as unknown as Handler;
}

describe("presence-event handler", () => {
  let stdout: MockInstance;
  let stderr: MockInstance;

  beforeEach(() => {
    vi.stubEnv("POWERTOOLS_DEV", "");
    for (const [key, value] of Object.entries(ENV)) vi.stubEnv(key, value);
    stdout = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  });

  afterEach(() => {
    stdout.mockRestore();
    stderr.mockRestore();
    vi.unstubAllEnvs();
  });

  describe("with its environment", () => {
    let handler: Handler;
    beforeAll(async () => {
      for (const [key, value] of Object.entries(ENV)) vi.stubEnv(key, value);
      handler = await loadHandler();
      vi.unstubAllEnvs();
    });

    it("counts a connection as DeviceConnected, without a disconnect reason", async () => {
      await handler(fixture("presence-connected"), context);

      const [emf, ...others] = emfRecords(stdout);
      expect(others).toEqual([]);
      const [directive] = emf?._aws.CloudWatchMetrics ?? [];
      expect(directive?.Namespace).toBe("fleet/test");
      expect(directive?.Metrics).toEqual([expect.objectContaining({ Name: "DeviceConnected" })]);
      expect(directive?.Dimensions.flat()).not.toContain("disconnectReason");
      expect(emf).toMatchObject({ DeviceConnected: 1, service: "device-presence" });
    });

    it("counts a disconnection as DeviceDisconnected with its reason as a dimension", async () => {
      await handler(fixture("presence-disconnected"), context);

      const [emf] = emfRecords(stdout);
      const [directive] = emf?._aws.CloudWatchMetrics ?? [];
      expect(directive?.Metrics).toEqual([expect.objectContaining({ Name: "DeviceDisconnected" })]);
      expect(directive?.Dimensions.flat()).toContain("disconnectReason");
      expect(emf).toMatchObject({
        DeviceDisconnected: 1,
        disconnectReason: "MQTT_KEEP_ALIVE_TIMEOUT",
      });
    });

    it("does not carry a disconnect reason over to the next connection", async () => {
      await handler(fixture("presence-disconnected"), context);
      await handler(fixture("presence-connected"), context);

      const connected = emfRecords(stdout).find((record) => "DeviceConnected" in record);
      expect(connected).toBeDefined();
      expect(connected).not.toHaveProperty("disconnectReason");
    });

    it("counts a disconnect reason AWS does not document as UNKNOWN", async () => {
      await handler(
        { ...fixture("presence-disconnected"), disconnectReason: "NEW_REASON" },
        context,
      );

      expect(emfRecords(stdout)[0]).toMatchObject({ disconnectReason: "UNKNOWN" });
    });

    it("logs which client and session changed, without its IP address", async () => {
      await handler(fixture("presence-connected"), context);

      const [log] = logRecords(stdout);
      expect(log).toMatchObject({
        message: "device connected",
        clientId: "rpi-0000000012345678",
        sessionIdentifier: "b7b6c0a9-3f7e-4e43-9d55-3c3e6f0d2a11",
        function_request_id: context.awsRequestId,
      });
      expect(JSON.stringify(log)).not.toContain("192.0.2.10");
    });

    it("rejects an event without a client id, naming the field", async () => {
      const { clientId: _, ...event } = fixture("presence-connected");

      const error = await handler(event, context).catch((caught: unknown) => caught);

      expect(error).toMatchObject({ name: "ContractViolationError", kind: "invalid-content" });
      expect((error as ContractViolationError).message).toMatch(
        /^Invalid message on \$aws\/events\/presence\/\+\/\+: clientId: /,
      );
      expect((error as ContractViolationError).issues.map((issue) => issue.path)).toEqual([
        "clientId",
      ]);
      expect(emfRecords(stdout).flatMap((record) => Object.keys(record))).not.toContain(
        "DeviceConnected",
      );
    });

    it("counts a connect_failed event that reaches it as ignored, without throwing", async () => {
      await handler(fixture("presence-connect-failed"), context);

      const [emf] = emfRecords(stdout);
      expect(emf).toMatchObject({ PresenceEventIgnored: 1 });
      expect(emf).not.toHaveProperty("DeviceConnected");
      expect(logRecords(stdout, stderr)).toContainEqual(
        expect.objectContaining({ level: "WARN", eventType: "connect_failed" }),
      );
    });

    it("rejects an event without an event type, naming eventType", async () => {
      const { eventType: _, ...event } = fixture("presence-connected");

      await expect(handler(event, context)).rejects.toThrow(/eventType/);
    });
  });

  it("fails at cold start, naming an environment variable that is not set", async () => {
    vi.stubEnv("POWERTOOLS_METRICS_NAMESPACE", undefined);

    const error = await loadHandler().catch((caught: unknown) => caught);

    expect(error).toMatchObject({ name: "InvalidEnvironmentError" });
    expect((error as InvalidEnvironmentError).keys).toEqual(["POWERTOOLS_METRICS_NAMESPACE"]);
    expect((error as Error).message).toContain("POWERTOOLS_METRICS_NAMESPACE is not set");
  });
});
