// The base error only. Each feature's errors live with it (`allow-list/allow-list-errors.ts`,
// `rotation/rotation-errors.ts`, ...); the root barrel exports them all.

/** Base of every error the core raises; subclasses carry structured fields for mapping. */
export class FleetError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "FleetError";
  }
}
