import { createControlPlaneLimiter, rateLimited } from "@fleet/core";
import * as z from "zod";

/**
 * This function's share of the stage's control-plane budget (stacks/certificates-config.ts
 * splits it between the rotation functions, each of which runs one instance at a time).
 */
export const ControlPlaneEnvSchema = z.object({
  CONTROL_PLANE_CALLS_PER_SECOND: z.coerce.number().int().positive(),
});

/**
 * One limiter per cold start: every port passed through the returned function shares it, so the
 * instance never starts more registry, job or CA calls within a second than its share.
 */
export function controlPlane(
  env: z.infer<typeof ControlPlaneEnvSchema>,
): <T extends object>(port: T) => T {
  const limiter = createControlPlaneLimiter({
    callsPerSecond: env.CONTROL_PLANE_CALLS_PER_SECOND,
  });
  return (port) => rateLimited(port, limiter);
}
