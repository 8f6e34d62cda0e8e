/** A fault to inject: the `call`-th call (1-based, counted from now) of an operation throws. */
export interface FaultRule {
  operation: string;
  /** Default 1: the next call. */
  call?: number;
  /** Only calls whose first argument matches count. */
  when?: (argument: unknown) => boolean;
  /** Default: a ThrottlingException as the AWS SDK raises it. */
  error?: Error;
  /** How many matching calls in a row fail from `call` on. Default 1. */
  times?: number;
}

/** An error shaped like the AWS SDK's throttling error, after its retries gave up. */
export function throttlingError(message = "Rate exceeded"): Error {
  return Object.assign(new Error(message), {
    name: "ThrottlingException",
    $metadata: { httpStatusCode: 400 },
  });
}

/** Failures the in-memory fakes raise on demand, to test partial failure and reruns. */
export class Faults {
  readonly #rules: { rule: FaultRule; seen: number; failed: number }[] = [];

  inject(rule: FaultRule): this {
    this.#rules.push({ rule, seen: 0, failed: 0 });
    return this;
  }

  /** Called by a fake at the start of each operation: throws when a rule says so. */
  check(operation: string, argument?: unknown): void {
    for (const state of this.#rules) {
      const { rule } = state;
      if (rule.operation !== operation || (rule.when && !rule.when(argument))) continue;
      state.seen++;
      const first = rule.call ?? 1;
      if (state.seen >= first && state.failed < (rule.times ?? 1)) {
        state.failed++;
        throw rule.error ?? throttlingError();
      }
    }
  }

  clear(): void {
    this.#rules.length = 0;
  }
}
