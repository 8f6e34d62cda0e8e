import type { CallRateMeter } from "./call-rate-meter.ts";
import { InvalidRateLimitError } from "./rate-limit-errors.ts";

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
 * A sliding-window limiter over the calls' ACTUAL start times: a call starts only when fewer
 * than `callsPerSecond` calls started within the last interval, checked at the moment it
 * starts. (Limiters that plan start times ahead, such as p-throttle's strict mode, let a burst
 * through when a busy event loop fires the planned timers late.) Calls are admitted one at a
 * time, in the order scheduled. With a meter, every call is recorded as it starts.
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
  /** Start times of the last `callsPerSecond` calls, oldest first. */
  const starts: number[] = [];
  let queue: Promise<void> = Promise.resolve();

  const admit = async (): Promise<void> => {
    for (;;) {
      const now = Date.now();
      const oldest = starts.length < callsPerSecond ? undefined : starts[0];
      const wait = oldest === undefined ? 0 : oldest + INTERVAL_MS - now;
      if (wait <= 0) {
        starts.push(now);
        if (starts.length > callsPerSecond) starts.shift();
        meter?.record();
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  };

  return {
    callsPerSecond,
    schedule<R>(call: () => Promise<R>): Promise<R> {
      const turn = queue.then(admit);
      queue = turn;
      // The call runs outside the queue: only its start is paced.
      return turn.then(call);
    },
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
