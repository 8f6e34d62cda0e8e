import * as z from "zod";
import { StateFileError } from "../errors.ts";
import { createCoalescingWriter } from "../state/coalescing-writer.ts";
import { readOptionalFile } from "../state/private-files.ts";

const RevocationFileSchema = z.object({
  version: z.literal(1),
  revoked: z.array(z.object({ serialNumber: z.string(), revokedAt: z.iso.datetime() })),
});

/** The local CA's revoked serial numbers, as ACM Private CA keeps them for its CRL. */
export interface RevocationList {
  add(serialNumber: string): Promise<void>;
  /** `serialNumber` as `normalizeSerialNumber` returns it. */
  has(serialNumber: string): boolean;
}

/**
 * Certificate serial numbers as lowercase hex without leading zeros: Node spells them in
 * uppercase, @peculiar/x509 in lowercase, and DER may pad them with a zero byte.
 */
export function normalizeSerialNumber(serialNumber: string): string {
  return serialNumber.toLowerCase().replace(/^0+(?=.)/, "");
}

export async function openRevocationList(path: string): Promise<RevocationList> {
  const revoked = new Map<string, string>();
  const text = await readOptionalFile(path);
  if (text !== null) {
    let parsed: z.infer<typeof RevocationFileSchema>;
    try {
      parsed = RevocationFileSchema.parse(JSON.parse(text));
    } catch (error) {
      throw new StateFileError(path, "not a revocation list file", { cause: error });
    }
    for (const entry of parsed.revoked) revoked.set(entry.serialNumber, entry.revokedAt);
  }
  const writer = createCoalescingWriter(
    path,
    () =>
      `${JSON.stringify(
        {
          version: 1,
          revoked: [...revoked].map(([serialNumber, revokedAt]) => ({ serialNumber, revokedAt })),
        },
        null,
        2,
      )}\n`,
  );
  return {
    async add(serialNumber) {
      const normalized = normalizeSerialNumber(serialNumber);
      if (revoked.has(normalized)) return;
      revoked.set(normalized, new Date().toISOString());
      await writer.write();
    },
    has: (serialNumber) => revoked.has(serialNumber),
  };
}
