import type { CertificateSigner } from "../contracts/certificate-provider.ts";
import type { CertificateIssuer } from "../ports/certificate-issuer.ts";
import type { CertificateRevoker } from "../ports/certificate-revoker.ts";
import type { DeviceLedger } from "../ports/device-ledger.ts";
import type { DeviceRegistry } from "../ports/device-registry.ts";
import type { ControlPlaneLimiter } from "../rate-limit/control-plane-limiter.ts";
import {
  type AllowListSource,
  createDecideProvisioning,
} from "../use-cases/decide-provisioning.ts";
import type { UseCaseLogger } from "../use-cases/logger.ts";
import { createResetDevice } from "../use-cases/reset-device.ts";
import { createSignProvisioningCsr } from "../use-cases/sign-provisioning-csr.ts";
import { lazyMembers } from "./lazy-members.ts";
import { paced } from "./paced.ts";

/**
 * What fleet provisioning runs on: the allow-list, the device ledger, the registry and the
 * stage's private CA (ACM Private CA, or the sandbox's CA).
 */
export interface ProvisioningPorts {
  /** The current allow-list, as the pre-provisioning hook reads it (an `AllowListCache`). */
  allowList: AllowListSource;
  ledger: DeviceLedger;
  registry: Pick<DeviceRegistry, "listCertificates" | "revokeCertificate">;
  /** Signs the devices' CSRs (the certificate provider). */
  issuer: CertificateIssuer;
  /** The private CA revoking a reset device's certificates; absent where AWS IoT signs them. */
  revoker?: CertificateRevoker;
  /** Who signs the certificate a device registers (the hook checks its subject or not). */
  certificateSigner: CertificateSigner;
  /** Validity of a device certificate. */
  validityMs: number;
  /** Paces the CA's issue calls; none when absent. */
  limiter?: ControlPlaneLimiter;
  clock: () => Date;
  logger?: UseCaseLogger;
}

export interface ProvisioningModule {
  /** The pre-provisioning hook's decision (`createDecideProvisioning`). */
  readonly decide: ReturnType<typeof createDecideProvisioning>;
  /** The certificate provider: signs a device's CSR (`createSignProvisioningCsr`). */
  readonly signCsr: ReturnType<typeof createSignProvisioningCsr>;
  /** `fleet devices reset`: revokes the thing's certificates (`createResetDevice`). */
  readonly reset: ReturnType<typeof createResetDevice>;
}

/** Fleet provisioning, wired once for a stage and the sandbox; each use case built on first read. */
export function provisioningModule(ports: ProvisioningPorts): ProvisioningModule {
  return lazyMembers<ProvisioningModule>({
    decide: () =>
      createDecideProvisioning({
        allowList: ports.allowList,
        ledger: ports.ledger,
        registry: ports.registry,
        certificateSigner: ports.certificateSigner,
        clock: ports.clock,
        logger: ports.logger,
      }),
    signCsr: () =>
      createSignProvisioningCsr({
        issuer: paced(ports.issuer, ports.limiter),
        validityMs: ports.validityMs,
        logger: ports.logger,
      }),
    reset: () =>
      createResetDevice({ registry: ports.registry, revoker: ports.revoker, logger: ports.logger }),
  });
}
