import type { Logger } from "pino";
import {
  createDeviceConnection,
  type DeviceConnection,
} from "../../src/connection/device-connection.ts";
import type { OpenSession, SessionTarget } from "../../src/connection/session.ts";
import type { createFakeTime } from "./fake-time.ts";

/** The broker every unit test's device connects to (its sessions are fakes). */
export const TEST_TARGET: SessionTarget = {
  clientId: "sim-0001",
  host: "127.0.0.1",
  port: 8883,
  tls: { caFile: "/ca.pem", certFile: "/cert.pem", keyFile: "/key.pem" },
  keepaliveSeconds: 30,
  connectTimeoutMs: 30_000,
  closeTimeoutMs: 5_000,
};

/** A device connection on fake time and fake sessions, with the client's reconnect settings. */
export function createTestConnection(options: {
  clientId: string;
  openSession: OpenSession;
  logger: Logger;
  time: ReturnType<typeof createFakeTime>;
  tls?: SessionTarget["tls"];
  random?: () => number;
  /** Default 0: these tests follow flows; the CONNECT spacing has its own tests. */
  minConnectIntervalMs?: number;
}): DeviceConnection {
  return createDeviceConnection({
    target: {
      ...TEST_TARGET,
      clientId: options.clientId,
      tls: options.tls ?? TEST_TARGET.tls,
    },
    reconnect: { initialDelayMs: 1_000, maxDelayMs: 8_000, stableAfterMs: 30_000 },
    openSession: options.openSession,
    logger: options.logger,
    clock: options.time.clock,
    timers: options.time.timers,
    random: options.random ?? (() => 0.5),
    minConnectIntervalMs: options.minConnectIntervalMs ?? 0,
    connectJitterMs: 0,
  });
}
