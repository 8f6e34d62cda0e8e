import { SerialSchema } from "@fleet/core/contracts";
import { UsageError } from "../errors.ts";

export const MAX_SIMULATED_DEVICES = 200;

/**
 * `--devices 3` names three simulated devices `sim-0001`..`sim-0003`; `--devices A,B` uses
 * those serials as given (each must be a valid serial).
 */
export function parseDevicesOption(value: string): string[] {
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) {
    const count = Number(trimmed);
    if (count < 0 || count > MAX_SIMULATED_DEVICES) {
      throw new UsageError(
        `--devices ${value}: expected a count from 0 to ${MAX_SIMULATED_DEVICES} or a comma-separated list of serials`,
      );
    }
    return Array.from({ length: count }, (_, i) => `sim-${String(i + 1).padStart(4, "0")}`);
  }
  const serials = trimmed.split(",").map((s) => s.trim());
  const seen = new Set<string>();
  serials.forEach((serial, index) => {
    const parsed = SerialSchema.safeParse(serial);
    if (!parsed.success) {
      throw new UsageError(
        `--devices: item ${index + 1} "${serial}" is not a valid serial (${parsed.error.issues[0]?.message})`,
      );
    }
    if (seen.has(serial)) throw new UsageError(`--devices: serial "${serial}" is listed twice`);
    seen.add(serial);
  });
  return serials;
}
