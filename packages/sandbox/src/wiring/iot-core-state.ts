import { isIP } from "node:net";
import { join } from "node:path";
import { claimPolicyDocument, devicePolicyDocument } from "@fleet/core/contracts";
import type { Logger } from "pino";
import { type ClaimCredentials, ensureClaimCredentials } from "../claim-credentials.ts";
import { ensurePolicy } from "../iot-core/ensure-policy.ts";
import { IotRegistry } from "../iot-core/registry.ts";
import {
  CANARY_THING_GROUP,
  SANDBOX_RESOURCE_NAMES,
  SANDBOX_SCOPE,
} from "../iot-core/sandbox-scope.ts";
import { type LocalCa, openLocalCa } from "../local-ca/local-ca.ts";
import { ensurePrivateDir } from "../state/private-files.ts";

/** Lifetime of the broker's TLS server certificate, issued afresh at each start. */
const SERVER_CERTIFICATE_VALIDITY_MS = 365 * 24 * 3600 * 1000;

export interface IotCoreState {
  ca: LocalCa;
  registry: IotRegistry;
  claim: ClaimCredentials;
  /** The broker's TLS certificate, for `host` and loopback. */
  serverCertificate: Awaited<ReturnType<LocalCa["issueServerCertificate"]>>;
}

/**
 * The local IoT Core's state, as a stage's stacks create it: the CA (created on first start,
 * reloaded afterwards) and the registry, with the device and claim policies, the fleet and
 * canary thing groups, the claim certificate; and the broker's server certificate.
 */
export async function openIotCoreState(options: {
  stateDir: string;
  host: string;
  /** Another address devices reach the broker at (`SandboxOptions.deviceHost`). */
  deviceHost?: string | undefined;
  logger: Logger;
}): Promise<IotCoreState> {
  const { stateDir, host, deviceHost, logger } = options;
  const names = SANDBOX_RESOURCE_NAMES;
  await ensurePrivateDir(stateDir);
  const ca = await openLocalCa(join(stateDir, "ca"));
  const registry = await IotRegistry.open(stateDir);
  await ensurePolicy(registry, names.devicePolicyName, devicePolicyDocument(SANDBOX_SCOPE), logger);
  await ensurePolicy(
    registry,
    names.claimPolicyName,
    claimPolicyDocument({ ...SANDBOX_SCOPE, templateName: names.provisioningTemplateName }),
    logger,
  );
  await registry.createThingGroup(names.thingGroupName);
  await registry.createThingGroup(CANARY_THING_GROUP);
  const claim = await ensureClaimCredentials({
    registry,
    ca,
    dir: join(stateDir, "claim"),
    policyName: names.claimPolicyName,
    templateName: names.provisioningTemplateName,
  });
  const serverCertificate = await ca.issueServerCertificate({
    ...serverNames(deviceHost === undefined ? [host] : [host, deviceHost]),
    validity: {
      notAfter: new Date(
        Math.min(Date.now() + SERVER_CERTIFICATE_VALIDITY_MS, ca.notAfter.getTime()),
      ),
    },
  });
  return { ca, registry, claim, serverCertificate };
}

/** The names a client may use to reach the broker: loopback always, plus `hosts`. */
function serverNames(hosts: readonly string[]): { dnsNames: string[]; ipAddresses: string[] } {
  const dnsNames = ["localhost"];
  const ipAddresses = ["127.0.0.1", "::1"];
  for (const host of hosts) {
    const wildcard = host === "0.0.0.0" || host === "::";
    if (isIP(host) !== 0) {
      if (!wildcard && !ipAddresses.includes(host)) ipAddresses.push(host);
    } else if (!dnsNames.includes(host)) {
      dnsNames.push(host);
    }
  }
  return { dnsNames, ipAddresses };
}
