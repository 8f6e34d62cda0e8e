import { createHash } from "node:crypto";
import {
  CREATE_CERTIFICATE_FROM_CSR_TOPIC,
  createCertificateFromCsrTopics,
  type ProvisioningErrorResponse,
  registerThingTopics,
} from "@fleet/core/contracts";
import { connectAsync } from "mqtt";
import type { TestPki } from "./test-pki.ts";

export interface TestCloud {
  /** Requests received, in order (payloads parsed). */
  readonly requests: { topic: string; body: Record<string, unknown> }[];
  /** Queued rejections of RegisterThing (e.g. the hook's denial); then it accepts. */
  readonly registerRejections: ProvisioningErrorResponse[];
  close(): Promise<void>;
}

/**
 * An mqtt.js client on the test broker that answers the fleet provisioning MQTT API as AWS
 * IoT would: CreateCertificateFromCsr issues a certificate from the test CA, RegisterThing
 * names the thing after the SerialNumber parameter. It stands in for the cloud only in the
 * device's own tests (the sandbox emulates the real thing).
 */
export async function startTestCloud(
  pki: TestPki,
  options: { port: number; templateName: string },
): Promise<TestCloud> {
  const csr = createCertificateFromCsrTopics();
  const register = registerThingTopics(options.templateName);
  const client = await connectAsync({
    protocol: "mqtts",
    host: "127.0.0.1",
    port: options.port,
    ca: pki.caPem,
    cert: pki.claim.certPem,
    key: pki.claim.keyPem,
    protocolVersion: 4,
    clientId: "test-cloud",
    reconnectPeriod: 0,
  });
  await client.subscribeAsync([CREATE_CERTIFICATE_FROM_CSR_TOPIC, register.request], { qos: 1 });
  const requests: TestCloud["requests"] = [];
  const registerRejections: ProvisioningErrorResponse[] = [];
  let issued = 0;

  const reply = (topic: string, body: unknown) =>
    client.publishAsync(topic, JSON.stringify(body), { qos: 1 });
  client.on("message", (topic, payload) => {
    const body = JSON.parse(payload.toString()) as Record<string, unknown>;
    requests.push({ topic, body });
    if (topic === csr.request) {
      void pki.signCsr(body.certificateSigningRequest as string).then((certificatePem) => {
        issued += 1;
        return reply(csr.accepted, {
          certificateId: createHash("sha256").update(certificatePem).digest("hex"),
          certificatePem,
          certificateOwnershipToken: `token-${issued}`,
        });
      });
    } else if (topic === register.request) {
      const rejection = registerRejections.shift();
      if (rejection) {
        void reply(register.rejected, rejection);
        return;
      }
      const parameters = body.parameters as Record<string, string>;
      void reply(register.accepted, {
        deviceConfiguration: {},
        thingName: parameters.SerialNumber,
      });
    }
  });
  return {
    requests,
    registerRejections,
    async close() {
      await client.endAsync(true);
    },
  };
}
