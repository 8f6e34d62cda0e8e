import pThrottle from "p-throttle";
import { InvalidRateLimitError } from "../errors.ts";
import type { CallRateMeter } from "./call-rate-meter.ts";

/** AWS IoT's control-plane APIs are throttled per account; the fleet's backend stays below this. */
export const DEFAULT_CONTROL_PLANE_CALLS_PER_SECOND = 10;

/** Lets at most `callsPerSecond` control-plane calls start within any one second, in order. */
export interface ControlPlaneLimiter {
  readonly callsPerSecond: number;
  /** Starts `call` once the limit allows; calls start in the order they were scheduled. */
  schedule<R>(call: () => Promise<R>): Promise<R>;
}

// Timers may fire a millisecond before Date.now() says the delay is over: keep a margin so a
// call never lands inside the previous second's window.
const INTERVAL_MS = 1000 + 5;

/**
 * A limiter over p-throttle's strict mode, which tracks each call's start (a sliding window)
 * rather than fixed one-second buckets that allow a double burst across a bucket boundary.
 * With a meter, every call is recorded as it starts.
 */
export function createControlPlaneLimiter(options: {
  callsPerSecond?: number;
  meter?: CallRateMeter;
}): ControlPlaneLimiter {
  const callsPerSecond = options.callsPerSecond ?? DEFAULT_CONTROL_PLANE_CALLS_PER_SECOND;
  if (!Number.isInteger(callsPerSecond) || callsPerSecond < 1) {
    throw new InvalidRateLimitError(callsPerSecond);
  }
  const { meter } = options;
  const throttle = pThrottle({ limit: callsPerSecond, interval: INTERVAL_MS, strict: true });
  const start = throttle((call: () => Promise<unknown>) => {
    meter?.record();
    return call();
  });
  return {
    callsPerSecond,
    schedule: <R>(call: () => Promise<R>) => start(call) as Promise<R>,
  };
}

/**
 * The port with every promise-returning method routed through the limiter: each call is
 * deferred until the limiter allows it. Async generator methods (paged listings, whose
 * adapters decide when to fetch a page) and other properties pass through untouched.
 */
export function rateLimited<T extends object>(port: T, limiter: ControlPlaneLimiter): T {
  return new Proxy(port, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (typeof value !== "function") return value;
      if (isAsyncGeneratorFunction(value)) return value.bind(target);
      return (...args: unknown[]) =>
        limiter.schedule(() => Promise.resolve(value.apply(target, args)));
    },
  });
}

function isAsyncGeneratorFunction(value: unknown): boolean {
  return Object.prototype.toString.call(value) === "[object AsyncGeneratorFunction]";
}
