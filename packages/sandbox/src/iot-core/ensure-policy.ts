import { isDeepStrictEqual } from "node:util";
import type { IotPolicyDocument } from "@fleet/core/contracts";
import type { Logger } from "pino";
import type { IotRegistry } from "./registry.ts";

/** Registers the policy, or a new version of it when the contract changed since. */
export async function ensurePolicy(
  registry: IotRegistry,
  policyName: string,
  document: IotPolicyDocument,
  logger: Logger,
): Promise<void> {
  const existing = registry.findPolicy(policyName);
  if (existing === undefined) {
    await registry.createPolicy(policyName, document);
  } else if (!isDeepStrictEqual(existing.policyDocument, document)) {
    logger.info({ policyName }, "policy changed: new policy version");
    await registry.createPolicyVersion(policyName, document);
  }
}
