// Principals and MQTT clients for benchmarks that drive the sandbox broker.
import { generateKeyPairSync } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { iotResourceArn } from "@fleet/core/contracts";
import { SANDBOX_SCOPE, type Sandbox } from "@fleet/sandbox";
import mqtt, { type MqttClient } from "mqtt";

export interface Credentials {
  clientId: string;
  key: string;
  cert: string;
}

/** A device registered directly (no provisioning exchange): its thing's client id and keys. */
export async function enrolDevice(
  sandbox: Sandbox,
  serial: string,
  stateDir: string,
): Promise<Credentials> {
  const device = await sandbox.enrollDevice(serial, join(stateDir, "devices", serial));
  return {
    clientId: device.thingName,
    key: await readFile(device.keyFile, "utf8"),
    cert: await readFile(device.certFile, "utf8"),
  };
}

/** A backend-style consumer allowed to read every device's telemetry (as a rule would). */
export async function enrolTelemetryConsumer(
  sandbox: Sandbox,
  clientId: string,
): Promise<Credentials> {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const issued = await sandbox.ca.issueCertificate(
    { publicKey: publicKey.export({ type: "spki", format: "pem" }).toString() },
    { commonName: clientId, validity: { durationMs: 3_600_000 } },
  );
  await sandbox.registry.registerCertificate({
    certificatePem: issued.certificatePem,
    status: "ACTIVE",
  });
  await sandbox.registry.createPolicy(clientId, {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Action: "iot:Connect",
        Resource: iotResourceArn(SANDBOX_SCOPE, "client", clientId),
      },
      {
        Effect: "Allow",
        Action: "iot:Subscribe",
        Resource: iotResourceArn(SANDBOX_SCOPE, "topicfilter", "dt/*"),
      },
      {
        Effect: "Allow",
        Action: "iot:Receive",
        Resource: iotResourceArn(SANDBOX_SCOPE, "topic", "dt/*"),
      },
    ],
  });
  await sandbox.registry.attachPolicy(clientId, issued.certificateId);
  return {
    clientId,
    key: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    cert: issued.certificatePem,
  };
}

export function connectClient(
  broker: { host: string; port: number; ca: string },
  credentials: Credentials,
): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect({
      protocol: "mqtts",
      host: broker.host,
      port: broker.port,
      protocolVersion: 4,
      clientId: credentials.clientId,
      key: credentials.key,
      cert: credentials.cert,
      ca: broker.ca,
      reconnectPeriod: 0,
    });
    client.once("connect", () => resolve(client));
    client.once("error", reject);
  });
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}
