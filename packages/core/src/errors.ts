/** Base of every error the core raises; subclasses carry structured fields for mapping. */
export class FleetError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "FleetError";
  }
}
