import { evaluatePolicies, type NamedPolicy, type PolicyContext } from "../policy-evaluator.ts";
import type { IotRegistry } from "../registry.ts";
import { describeDenial, resourceArnFor } from "./connection-authorizer.ts";

/** What the broker knows about a connecting client once TLS has verified its certificate chain. */
export interface ConnectAttempt {
  clientId: string;
  certificateId: string;
  /** Subject of the client certificate by OpenSSL short name. */
  certificateSubject: Record<string, string>;
}

export type ConnectionVerdict =
  | { allowed: true; context: PolicyContext; policies: NamedPolicy[] }
  | { allowed: false; reason: string };

/**
 * Whether the registry lets this certificate hold a connection under this client id, in the
 * order AWS IoT Core checks: the certificate is registered, ACTIVE and within its validity, and
 * a certificate attached to things may only connect as one of them (the sandbox requires the
 * client id to be the thing name, which is what thing policy variables rely on). The broker
 * runs this at CONNECT and again for live connections whenever the registry changes.
 */
export function checkConnection(
  registry: IotRegistry,
  attempt: ConnectAttempt,
  now: Date,
): ConnectionVerdict {
  const { clientId, certificateId } = attempt;
  const certificate = registry.findCertificate(certificateId);
  if (certificate === undefined) {
    return { allowed: false, reason: `certificate ${certificateId} is not registered` };
  }
  if (certificate.status !== "ACTIVE") {
    return { allowed: false, reason: `certificate ${certificateId} is ${certificate.status}` };
  }
  if (now < new Date(certificate.notBefore)) {
    return {
      allowed: false,
      reason: `certificate ${certificateId} is not valid before ${certificate.notBefore}`,
    };
  }
  if (now > new Date(certificate.notAfter)) {
    return {
      allowed: false,
      reason: `certificate ${certificateId} expired at ${certificate.notAfter}`,
    };
  }
  const things = registry.listPrincipalThings(certificateId);
  if (things.length > 0 && !things.includes(clientId)) {
    return {
      allowed: false,
      reason: `client id ${clientId} is not the thing attached to certificate ${certificateId} (${things.join(", ")})`,
    };
  }
  const thingName = things.length > 0 ? clientId : undefined;
  const context: PolicyContext = {
    clientId,
    certificateId,
    certificateSubject: attempt.certificateSubject,
    ...(thingName === undefined
      ? {}
      : { thingName, thingAttributes: registry.describeThing(thingName).attributes }),
  };
  return { allowed: true, context, policies: registry.attachedPolicyDocuments(certificateId) };
}

/** `checkConnection`, then the iot:Connect policy check on `client/<clientId>`. */
export function checkConnect(
  registry: IotRegistry,
  attempt: ConnectAttempt,
  now: Date,
): ConnectionVerdict {
  const verdict = checkConnection(registry, attempt, now);
  if (!verdict.allowed) return verdict;
  const decision = evaluatePolicies(verdict.policies, {
    action: "iot:Connect",
    resource: resourceArnFor("iot:Connect", attempt.clientId),
    context: verdict.context,
  });
  return decision.allowed
    ? verdict
    : { allowed: false, reason: describeDenial("iot:Connect", attempt.clientId, decision) };
}
