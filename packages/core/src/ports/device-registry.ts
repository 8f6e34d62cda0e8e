import type { CertificateStatus } from "../contracts/certificate-status.ts";

/** A provisioned device as the registry knows it: its thing and the serial it was made from. */
export interface RegisteredDevice {
  thingName: string;
  serial: string;
}

export interface RegisteredCertificate {
  certificateId: string;
  status: CertificateStatus;
  certificatePem: string;
}

/**
 * The IoT registry of one stage (AWS IoT Core, or the sandbox's emulation), limited to what
 * the provisioning use cases need. Every mutation is idempotent: removing what is already gone
 * succeeds, so a reconcile that crashed half-way can simply run again.
 */
export interface DeviceRegistry {
  /** Every thing in the stage's fleet thing group. */
  listDevices(): AsyncIterable<RegisteredDevice>;
  /** Certificates attached to the thing (empty when the thing is gone). */
  listCertificates(thingName: string): Promise<RegisteredCertificate[]>;
  /** Sets the certificate INACTIVE (ends live sessions at once) and then REVOKED. */
  revokeCertificate(certificateId: string): Promise<void>;
  /** Detaches every IoT policy attached to the certificate. */
  detachPolicies(certificateId: string): Promise<void>;
  detachThingPrincipal(thingName: string, certificateId: string): Promise<void>;
  deleteCertificate(certificateId: string): Promise<void>;
  deleteThing(thingName: string): Promise<void>;

  // Certificate rotation and audits.

  /**
   * Registers a certificate issued by the stage's CA as ACTIVE, without registering the CA
   * (AWS RegisterCertificateWithoutCA). Registering the same certificate twice returns its id.
   */
  registerCertificate(certificatePem: string): Promise<{ certificateId: string }>;
  /** Attaches the stage's device policy (the one every provisioned certificate carries). */
  attachPolicy(certificateId: string): Promise<void>;
  /** Attaches the certificate to the thing (attaching an attached one succeeds). */
  attachThingPrincipal(thingName: string, certificateId: string): Promise<void>;
  /** The thing the certificate is attached to; null when it is attached to none. */
  thingOfCertificate(certificateId: string): Promise<string | null>;
}
