import type { RotationErrorCode } from "../contracts/rotation.ts";
import { inspectCsr } from "../domain/inspect-csr.ts";

export type CsrCheck =
  | { ok: true }
  | {
      ok: false;
      errorCode: Extract<RotationErrorCode, "InvalidCsr" | "WeakKey" | "SubjectMismatch">;
      errorMessage: string;
    };

const ERROR_CODES = { "invalid-csr": "InvalidCsr", "weak-key": "WeakKey" } as const;

/**
 * Whether a rotation CSR may be signed for `thingName`: a PKCS#10 request whose signature
 * proves possession of the key, an EC P-256/P-384 or RSA >= 2048 key, and subject CN = thing.
 */
export async function checkRotationCsr(csrPem: string, thingName: string): Promise<CsrCheck> {
  const inspected = await inspectCsr(csrPem);
  if (!inspected.ok) {
    return {
      ok: false,
      errorCode: ERROR_CODES[inspected.problem],
      errorMessage: inspected.message,
    };
  }
  const { commonNames } = inspected;
  if (commonNames.length !== 1 || commonNames[0] !== thingName) {
    return {
      ok: false,
      errorCode: "SubjectMismatch",
      errorMessage: `subject CN is ${JSON.stringify(commonNames.join(","))}; expected "${thingName}"`,
    };
  }
  return { ok: true };
}
