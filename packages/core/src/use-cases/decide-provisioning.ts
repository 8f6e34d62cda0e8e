import { X509Certificate } from "node:crypto";
import type { CertificateSigner } from "../contracts/certificate-provider.ts";
import { SerialSchema, thingNameFromSerial } from "../contracts/identity.ts";
import {
  type PreProvisioningHookEvent,
  SERIAL_PARAMETER,
} from "../contracts/provisioning-template.ts";
import type { DeviceLedger } from "../ports/device-ledger.ts";
import type { DeviceRegistry, RegisteredCertificate } from "../ports/device-registry.ts";
import { describeError, silentLogger, type UseCaseLogger } from "./logger.ts";
import { usableCertificates } from "./usable-certificates.ts";

/** What the use cases read of the allow-list: the current version's serials (an AllowListCache). */
export interface AllowListSource {
  current(): Promise<{ version: string | null; serials: ReadonlySet<string> }>;
}

export interface ProvisioningDecision {
  allowProvisioning: boolean;
  /** Why, in words an operator reads in `fleet devices` and the device logs. */
  reason: string;
  /** The valid serial the device asked for; null when it was missing or not a serial. */
  serial: string | null;
}

export interface DecideProvisioningDeps {
  allowList: AllowListSource;
  ledger: DeviceLedger;
  /**
   * The thing's certificates (status and PEM, for notAfter): a serial whose thing still has a
   * usable one is that device's already, and is not registered a second time. When it may
   * provision again, its old ACTIVE (expired) and INACTIVE certificates are revoked.
   */
  registry: Pick<DeviceRegistry, "listCertificates" | "revokeCertificate">;
  /**
   * Who signed the certificate the device registers. Only the private CA (the certificate
   * provider) is known to copy the CSR's subject; AWS does not document what its own CA puts
   * there, so with `aws-iot` the subject is not checked at all (else it could deny every device).
   */
  certificateSigner: CertificateSigner;
  logger?: UseCaseLogger;
  /** Default `() => new Date()`. */
  clock?: () => Date;
}

/** Quoted input in a reason stays short: the parameter comes from an unauthenticated claim holder. */
const QUOTE_MAX = 80;

/**
 * The pre-provisioning hook: whether a device holding the claim certificate may become a thing.
 * 1. Read the serial parameter and check it is a valid serial.
 * 2. With the private CA as signer, check the new certificate's subject CN is the thing name of
 *    that serial (the device puts its serial in its CSR, the certificate provider issues only
 *    such CSRs), so one device cannot register a certificate under another's serial. With AWS
 *    IoT as signer the subject is unknown and skipped: the serial is then bound to the claim
 *    holder's word and the allow-list alone.
 * 3. Check the serial is on the current allow-list.
 * 4. Check the serial's thing has no usable certificate (ACTIVE and not expired): one device,
 *    one identity. Anyone holding the claim certificate could otherwise add a key of their own
 *    to a provisioned device's thing and connect as it. A device whose certificates all expired,
 *    or whose thing an operator reset (certificates revoked), provisions again; its old
 *    certificates (expired ACTIVE, INACTIVE) are retired then (REVOKED), so that the thing keeps
 *    one ACTIVE certificate, the new one. A failure to retire one is logged and never changes
 *    the decision: they cannot connect anyway.
 * 5. Record a denial in the ledger, or clear the serial's entry when allowed; a ledger failure
 *    is logged and never changes the decision.
 * Any failure or error denies, with a reason that names it.
 */
export function createDecideProvisioning(
  deps: DecideProvisioningDeps,
): (event: PreProvisioningHookEvent) => Promise<ProvisioningDecision> {
  const logger = deps.logger ?? silentLogger;
  const clock = deps.clock ?? (() => new Date());

  async function decide(event: PreProvisioningHookEvent): Promise<ProvisioningDecision> {
    const raw: unknown = event?.parameters?.[SERIAL_PARAMETER];
    if (raw === undefined) return deny(null, `missing parameter ${SERIAL_PARAMETER}`);
    const parsed = SerialSchema.safeParse(raw);
    if (!parsed.success) {
      const why = parsed.error.issues[0]?.message ?? "not a string";
      return deny(
        null,
        `parameter ${SERIAL_PARAMETER} ${quote(raw)} is not a valid serial (${why})`,
      );
    }
    const serial = parsed.data;

    if (deps.certificateSigner === "private-ca") {
      const subjectError = checkSubject(event.certificatePem, thingNameFromSerial(serial));
      if (subjectError !== null) return deny(serial, subjectError);
    }

    let list: Awaited<ReturnType<AllowListSource["current"]>>;
    try {
      list = await deps.allowList.current();
    } catch (error) {
      return deny(serial, `cannot read the allow-list: ${describeError(error)}`);
    }
    if (!list.serials.has(serial)) {
      const version = list.version === null ? "no list uploaded yet" : `version ${list.version}`;
      return deny(serial, `serial "${serial}" is not on the allow-list (${version})`);
    }
    const thingName = thingNameFromSerial(serial);
    let certificates: RegisteredCertificate[];
    try {
      certificates = await deps.registry.listCertificates(thingName);
    } catch (error) {
      return deny(
        serial,
        `cannot read the certificates of thing ${thingName}: ${describeError(error)}`,
      );
    }
    const usable = usableCertificates(certificates, clock());
    if (usable.length > 0) {
      const ids = usable.map((c) => c.certificateId).join(", ");
      return deny(
        serial,
        `thing ${thingName} already has a usable certificate (${ids}); an operator resets it with \`fleet devices reset ${serial}\` before it provisions again`,
      );
    }
    await retire(thingName, certificates);
    return { allowProvisioning: true, reason: `serial "${serial}" is on the allow-list`, serial };
  }

  /** Revokes the thing's unusable certificates that are not REVOKED yet; failures are logged. */
  async function retire(thingName: string, certificates: RegisteredCertificate[]): Promise<void> {
    for (const { certificateId, status } of certificates) {
      if (status !== "ACTIVE" && status !== "INACTIVE") continue;
      try {
        await deps.registry.revokeCertificate(certificateId);
        logger.info({ thingName, certificateId, status }, "old certificate retired");
      } catch (error) {
        logger.warn(
          { thingName, certificateId, error: describeError(error) },
          "could not retire an old certificate; the decision stands",
        );
      }
    }
  }

  function deny(serial: string | null, reason: string): ProvisioningDecision {
    return { allowProvisioning: false, reason, serial };
  }

  async function keepLedger(decision: ProvisioningDecision): Promise<void> {
    const { serial } = decision;
    // An invalid serial is no device an operator could list: nothing to record.
    if (serial === null) return;
    try {
      if (decision.allowProvisioning) await deps.ledger.clear(serial);
      else {
        const at = clock().toISOString();
        await deps.ledger.record({ serial, outcome: "denied", reason: decision.reason, at });
      }
    } catch (error) {
      logger.warn(
        { serial, allowProvisioning: decision.allowProvisioning, error: describeError(error) },
        "could not update the device ledger; the decision stands",
      );
    }
  }

  return async (event) => {
    let decision: ProvisioningDecision;
    try {
      decision = await decide(event);
    } catch (error) {
      decision = {
        allowProvisioning: false,
        reason: `hook error: ${describeError(error)}`,
        serial: null,
      };
    }
    await keepLedger(decision);
    const fields = {
      serial: decision.serial,
      certificateId: event?.certificateId,
      allowProvisioning: decision.allowProvisioning,
      reason: decision.reason,
    };
    if (decision.allowProvisioning) logger.info(fields, "provisioning allowed");
    else logger.warn(fields, "provisioning denied");
    return decision;
  };
}

/** Null when the certificate's subject CN is exactly `thingName`, else why not. */
function checkSubject(certificatePem: unknown, thingName: string): string | null {
  if (typeof certificatePem !== "string" || certificatePem === "") {
    return "the event carries no certificatePem";
  }
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(certificatePem);
  } catch {
    return "certificatePem is not a PEM X.509 certificate";
  }
  // Node renders the subject one `KEY=value` per line; a value with a newline is escaped.
  const names = certificate.subject
    .split("\n")
    .filter((line) => line.startsWith("CN="))
    .map((line) => line.slice(3));
  if (names.length === 0)
    return `certificate subject has no CN; expected the serial "${thingName}"`;
  if (names.length > 1) {
    return `certificate subject has ${names.length} CNs; expected only the serial "${thingName}"`;
  }
  const [name] = names;
  if (name !== thingName)
    return `certificate subject CN ${quote(name)} is not the serial "${thingName}"`;
  return null;
}

function quote(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > QUOTE_MAX ? `${text.slice(0, QUOTE_MAX)}…` : text;
}
