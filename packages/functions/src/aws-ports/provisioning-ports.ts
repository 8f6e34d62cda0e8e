import {
  AllowListCache,
  lazyMembers,
  type ProvisioningPorts,
  type UseCaseLogger,
} from "@fleet/core";
import { IotDeviceRegistry } from "@fleet/core/adapters/aws";
import { CertificateSignerSchema } from "@fleet/core/contracts";
import * as z from "zod";
import { readEnv } from "../env.ts";
import { dynamoDbDeviceLedger, s3AllowListStore } from "./allow-list-ports.ts";
import { awsClients } from "./aws-clients.ts";
import { acmPcaIssuer, acmPcaRevoker, certificateValidityMs } from "./certificate-authority.ts";

/**
 * The provisioning module's AWS ports, each built (and its variables read) on first read: the
 * hook builds the allow-list, ledger and registry; the certificate provider the CA's issuer.
 * The certificate provider is not paced: AWS IoT calls it once per device request.
 */
export function awsProvisioningPorts(logger: UseCaseLogger): ProvisioningPorts {
  const clients = awsClients();
  return lazyMembers<ProvisioningPorts>({
    // A warm function keeps the parsed list and re-reads it only when it changed.
    allowList: () => new AllowListCache({ store: s3AllowListStore() }),
    ledger: () => dynamoDbDeviceLedger(clients),
    // The hook never lists the fleet: no thing group.
    registry: () => new IotDeviceRegistry({ iot: clients.iot }),
    issuer: () => acmPcaIssuer(clients.pca),
    revoker: () => acmPcaRevoker(clients.pca),
    certificateSigner: () =>
      readEnv(z.object({ CERTIFICATE_SIGNER: CertificateSignerSchema })).CERTIFICATE_SIGNER,
    validityMs: () => certificateValidityMs(),
    limiter: () => undefined,
    clock: () => () => new Date(),
    logger: () => logger,
  });
}
