import { type ControlPlaneLimiter, rateLimited } from "../rate-limit/control-plane-limiter.ts";

/** The port paced by the limiter, when the bundle has one; else the port itself. */
export function paced<T extends object>(port: T, limiter: ControlPlaneLimiter | undefined): T {
  return limiter === undefined ? port : rateLimited(port, limiter);
}
