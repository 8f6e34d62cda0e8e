import type { DeviceView } from "../contracts/device-view.ts";
import { isUsableCertificate } from "./usable-certificate.ts";

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
  /** What "expired" is measured against. Default: the time of the call. */
  now?: Date;
}

/**
 * The state a thing's certificates give it, the same for a deployed stage and the sandbox.
 * A usable certificate (ACTIVE, not expired) is the one that matters (the newest, mid-rotation);
 * several usable ones are named in the reason (a rotation under way, or a second registration
 * that rotation will not guess about). ACTIVE ones that all expired make the device `expired`:
 * it provisions again by claim when it comes back. Without an ACTIVE one, the newest
 * certificate tells why the device cannot connect.
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
  const now = facts.now ?? new Date();
  const active = newestFirst.filter((c) => c.status === "ACTIVE");
  const usable = active.filter((c) => isUsableCertificate(c, now));
  const [newestUsable] = usable;
  if (newestUsable !== undefined) {
    const reason =
      usable.length > 1
        ? `${usable.length} usable ACTIVE certificates (${usable.map((c) => c.certificateId).join(", ")}): a rotation under way, or a second registration; rotation needs the one in use named`
        : null;
    return {
      ...base,
      state: "provisioned",
      certificateId: newestUsable.certificateId,
      notAfter: newestUsable.notAfter?.toISOString() ?? null,
      reason,
    };
  }
  const [newestExpired] = active;
  if (newestExpired !== undefined) {
    const notAfter = newestExpired.notAfter?.toISOString() ?? null;
    return {
      ...base,
      state: "expired",
      certificateId: newestExpired.certificateId,
      notAfter,
      reason: `certificate ${newestExpired.certificateId} expired at ${notAfter}; the device provisions again by claim when it comes back`,
    };
  }
  const chosen = newestFirst[0];
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
  const allRevoked = facts.certificates.every((c) => c.status === "REVOKED");
  return {
    ...base,
    state: allRevoked ? "revoked" : "provisioned",
    certificateId,
    notAfter,
    reason: `certificate ${certificateId} is ${chosen.status}`,
  };
}
