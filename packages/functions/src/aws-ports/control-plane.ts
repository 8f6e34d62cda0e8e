import { type ControlPlaneLimiter, createControlPlaneLimiter } from "@fleet/core";
import * as z from "zod";
import { readEnv } from "../env.ts";

/**
 * This function's share of the stage's control-plane budget (stacks/certificates-config.ts
 * splits it between the rotation functions, each of which runs one instance at a time).
 */
const ControlPlaneEnvSchema = z.object({
  CONTROL_PLANE_CALLS_PER_SECOND: z.coerce.number().int().positive(),
});

/**
 * One limiter per cold start: the feature module paces every registry, job and CA call through
 * it, so the instance never starts more of them within a second than its share.
 */
export function controlPlaneLimiter(): ControlPlaneLimiter {
  return createControlPlaneLimiter({
    callsPerSecond: readEnv(ControlPlaneEnvSchema).CONTROL_PLANE_CALLS_PER_SECOND,
  });
}
