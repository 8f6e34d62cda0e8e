import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { SerialSchema } from "@fleet/core/contracts";
import { SerialNotFoundError } from "../errors.ts";

/**
 * Where a board reports its serial, in the order they are tried (paths below the root):
 * the device-tree serial a Raspberry Pi's firmware exposes, then the SMBIOS/DMI product
 * serial of a UEFI (SystemReady) board. Reading the DMI file needs root on most kernels.
 */
export const SERIAL_SOURCES = [
  "sys/firmware/devicetree/base/serial-number",
  "sys/class/dmi/id/product_serial",
] as const;

export interface DetectSerialOptions {
  /** The config's `serial`: when set, it wins and no file is read. */
  override?: string | undefined;
  /** Filesystem root the sources are read under (a fixture directory in tests). Default `/`. */
  root?: string;
}

/**
 * The device's serial: the config override, else the first hardware source that holds a
 * valid serial. Device-tree strings end in NUL and DMI values in a newline; both are
 * stripped. Firmware placeholders such as "To Be Filled By O.E.M." fail `SerialSchema` and so
 * fall through to the next source. Throws `SerialNotFoundError` listing every source tried.
 */
export async function detectSerial(options: DetectSerialOptions = {}): Promise<string> {
  if (options.override !== undefined) return SerialSchema.parse(options.override);
  const root = options.root ?? "/";
  const tried: { source: string; reason: string }[] = [];
  for (const source of SERIAL_SOURCES) {
    const file = join(root, source);
    let raw: string;
    try {
      raw = await readFile(file, "latin1");
    } catch (error) {
      tried.push({ source: file, reason: (error as NodeJS.ErrnoException).code ?? String(error) });
      continue;
    }
    const value = raw.replace(/\0/g, "").trim();
    const parsed = SerialSchema.safeParse(value);
    if (parsed.success) return parsed.data;
    tried.push({
      source: file,
      reason: value === "" ? "empty" : `${JSON.stringify(value)} is not a valid serial`,
    });
  }
  throw new SerialNotFoundError({ tried });
}
