import type { DeviceView } from "../contracts/device-view.ts";

/** A certificate attached to a thing, as both the AWS registry and the sandbox describe it. */
export interface AttachedCertificate {
  certificateId: string;
  status: string;
  /** Expiry; null when the registry does not say. */
  notAfter: Date | null;
  createdAt: Date | null;
}

export interface DeviceFacts {
  serial: string;
  thingName: string;
  connected: boolean;
  certificates: readonly AttachedCertificate[];
  /** Apps and their running versions, from the device's reported state ({} when none). */
  apps: Readonly<Record<string, string>>;
}

/**
 * The state a thing's certificates give it, the same for a deployed stage and the sandbox.
 * The ACTIVE certificate is the one that matters (the newest, mid-rotation); without one, the
 * newest certificate tells why the device cannot connect.
 */
export function deriveDeviceView(facts: DeviceFacts): DeviceView {
  const base = {
    serial: facts.serial,
    thingName: facts.thingName,
    connected: facts.connected,
    apps: { ...facts.apps },
  };
  const newestFirst = facts.certificates.toSorted(
    (a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0),
  );
  const chosen = newestFirst.find((c) => c.status === "ACTIVE") ?? newestFirst[0];
  if (chosen === undefined) {
    return {
      ...base,
      state: "pending",
      certificateId: null,
      notAfter: null,
      reason: "no certificate attached",
    };
  }
  const certificateId = chosen.certificateId;
  const notAfter = chosen.notAfter?.toISOString() ?? null;
  if (chosen.status === "ACTIVE") {
    return { ...base, state: "provisioned", certificateId, notAfter, reason: null };
  }
  const allRevoked = facts.certificates.every((c) => c.status === "REVOKED");
  return {
    ...base,
    state: allRevoked ? "revoked" : "provisioned",
    certificateId,
    notAfter,
    reason: `certificate ${certificateId} is ${chosen.status}`,
  };
}
