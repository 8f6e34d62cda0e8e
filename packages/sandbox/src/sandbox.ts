import { EventEmitter } from "node:events";
import { isIP } from "node:net";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { devicePolicyDocument } from "@fleet/core/contracts";
import { type Logger, pino } from "pino";
import { type EnrollDeviceOptions, type EnrolledDevice, enrollDevice } from "./enroll-device.ts";
import type { SandboxEventMap, SandboxEvents } from "./iot-core/broker-events.ts";
import { startMqttBroker } from "./iot-core/mqtt-broker.ts";
import { IotRegistry } from "./iot-core/registry.ts";
import { DEVICE_POLICY_NAME, SANDBOX_SCOPE } from "./iot-core/sandbox-scope.ts";
import type { Sessions } from "./iot-core/sessions.ts";
import { type LocalCa, openLocalCa } from "./local-ca/local-ca.ts";
import { ensurePrivateDir } from "./state/private-files.ts";

export interface SandboxOptions {
  /** Directory for the sandbox's state (CA, registry). Created with mode 0700 when missing. */
  stateDir: string;
  /** Interface the MQTT broker listens on. Default `127.0.0.1`. */
  host?: string;
  /** MQTT (TLS) port. Default 0: a free port, reported in `Sandbox.mqtt.port`. */
  mqttPort?: number;
  /** Default: a silent logger. */
  logger?: Logger;
}

const DEFAULTS = { host: "127.0.0.1", mqttPort: 0 } as const;

/** Lifetime of the broker's TLS server certificate, issued afresh at each start. */
const SERVER_CERTIFICATE_VALIDITY_MS = 365 * 24 * 3600 * 1000;

export interface Sandbox {
  /** Where devices connect: MQTT 3.1.1 over TLS with a client certificate from `caCertPem`'s CA. */
  readonly mqtt: { host: string; port: number };
  /** The local CA's certificate: the trust anchor for both the broker and device certificates. */
  readonly caCertPem: string;
  readonly registry: IotRegistry;
  readonly ca: LocalCa;
  /** Live MQTT sessions by client id. */
  readonly sessions: Sessions;
  /** Refusals, denials, connects and disconnects (see `SandboxEvent`). */
  readonly events: SandboxEvents;
  /** Walking-skeleton provisioning: see `enrollDevice`. */
  enrollDevice(serial: string, dir: string, options?: EnrollDeviceOptions): Promise<EnrolledDevice>;
  /** Disconnects every client, stops the broker and resolves once state is on disk. */
  close(): Promise<void>;
}

/**
 * Starts the local cloud's IoT Core: the CA (created on first start, reloaded afterwards), the
 * registry with the device policy registered as `DEVICE_POLICY_NAME`, and the broker.
 */
export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const { stateDir, host, mqttPort, logger } = {
    ...DEFAULTS,
    logger: pino({ level: "silent" }),
    ...definedOnly(options),
  };
  await ensurePrivateDir(stateDir);
  const ca = await openLocalCa(join(stateDir, "ca"));
  const registry = await IotRegistry.open(stateDir);
  await ensureDevicePolicy(registry, logger);

  const serverCertificate = await ca.issueServerCertificate({
    ...serverNames(host),
    validity: {
      notAfter: new Date(
        Math.min(Date.now() + SERVER_CERTIFICATE_VALIDITY_MS, ca.notAfter.getTime()),
      ),
    },
  });
  const events: SandboxEvents = new EventEmitter<SandboxEventMap>();
  const broker = await startMqttBroker({
    registry,
    caCertificatePem: ca.certificatePem,
    serverCertificate,
    host,
    port: mqttPort,
    logger,
    events,
  });

  let closed: Promise<void> | undefined;
  return {
    mqtt: { host: broker.host, port: broker.port },
    caCertPem: ca.certificatePem,
    registry,
    ca,
    sessions: broker.sessions,
    events,
    enrollDevice: (serial, dir, enrollOptions) =>
      enrollDevice({ registry, ca }, serial, dir, enrollOptions),
    close() {
      closed ??= (async () => {
        await broker.close();
        await registry.flush();
        logger.info("sandbox stopped");
      })();
      return closed;
    },
  };
}

/** Registers the device policy, or a new version of it when the contract changed since. */
async function ensureDevicePolicy(registry: IotRegistry, logger: Logger): Promise<void> {
  const document = devicePolicyDocument(SANDBOX_SCOPE);
  const existing = registry.findPolicy(DEVICE_POLICY_NAME);
  if (existing === undefined) {
    await registry.createPolicy(DEVICE_POLICY_NAME, document);
  } else if (!isDeepStrictEqual(existing.policyDocument, document)) {
    logger.info({ policyName: DEVICE_POLICY_NAME }, "device policy changed: new policy version");
    await registry.createPolicyVersion(DEVICE_POLICY_NAME, document);
  }
}

/** The names a client may use to reach the broker: loopback always, plus the listen host. */
function serverNames(host: string): { dnsNames: string[]; ipAddresses: string[] } {
  const dnsNames = ["localhost"];
  const ipAddresses = ["127.0.0.1", "::1"];
  const wildcard = host === "0.0.0.0" || host === "::";
  if (isIP(host) !== 0) {
    if (!wildcard && !ipAddresses.includes(host)) ipAddresses.push(host);
  } else if (!dnsNames.includes(host)) {
    dnsNames.push(host);
  }
  return { dnsNames, ipAddresses };
}

/** Drops keys set to undefined so they do not override defaults when merged. */
function definedOnly<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
