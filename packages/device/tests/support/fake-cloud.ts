import { createHash } from "node:crypto";
import {
  createCertificateFromCsrTopics,
  type ProvisioningErrorResponse,
  registerThingTopics,
} from "@fleet/core/contracts";
import type { FakeSession } from "./fake-sessions.ts";
import type { TestPki } from "./test-pki.ts";

/** How the fake cloud answers one request: issue/register, reject, or never answer. */
export type CloudAnswer =
  | "accept"
  | "silent"
  | { reject: ProvisioningErrorResponse }
  | { certificatePem: string };

export const TEMPLATE = "fleet-test-provisioning";

/**
 * Answers the fleet provisioning MQTT API on fake sessions as AWS IoT would: certificates
 * signed by the test CA, RegisterThing naming the thing after the SerialNumber parameter.
 * Queued answers are used first; then every request is accepted.
 */
export function createFakeCloud(pki: TestPki) {
  const csr = createCertificateFromCsrTopics();
  const register = registerThingTopics(TEMPLATE);
  const answers = { csr: [] as CloudAnswer[], register: [] as CloudAnswer[] };
  const requests = { csrs: [] as string[], registrations: [] as Record<string, unknown>[] };
  let issued = 0;

  const onPublish = (session: FakeSession, topic: string, payload: string) => {
    const body = JSON.parse(payload) as Record<string, unknown>;
    if (topic === csr.request) {
      requests.csrs.push(body.certificateSigningRequest as string);
      const answer = answers.csr.shift() ?? "accept";
      if (answer === "silent") return;
      if (typeof answer === "object" && "reject" in answer) {
        session.deliver(csr.rejected, answer.reject);
        return;
      }
      const pem =
        typeof answer === "object"
          ? Promise.resolve(answer.certificatePem)
          : pki.signCsr(body.certificateSigningRequest as string);
      void pem.then((certificatePem) => {
        issued += 1;
        session.deliver(csr.accepted, {
          certificateId: createHash("sha256").update(certificatePem).digest("hex"),
          certificatePem,
          certificateOwnershipToken: `token-${issued}`,
        });
      });
    } else if (topic === register.request) {
      requests.registrations.push(body);
      const answer = answers.register.shift() ?? "accept";
      if (answer === "silent") return;
      if (typeof answer === "object" && "reject" in answer) {
        session.deliver(register.rejected, answer.reject);
        return;
      }
      const parameters = body.parameters as Record<string, string>;
      session.deliver(register.accepted, {
        deviceConfiguration: {},
        thingName: parameters.SerialNumber,
      });
    }
  };
  return { answers, requests, onPublish, topics: { csr, register } };
}

/** What AWS IoT answers when the pre-provisioning hook denies a RegisterThing. */
export const HOOK_DENIED: ProvisioningErrorResponse = {
  statusCode: 403,
  errorCode: "AccessDenied",
  errorMessage: 'serial "SRX-0001" is not on the allow-list (version v1)',
};
