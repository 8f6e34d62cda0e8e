import { DEVICE_LOG_LIMITS } from "@fleet/core/contracts";

export const REDACTED = "[redacted]";
const CUT_MARK = "…[cut]";

/**
 * What never leaves the device in a log line, whatever wrote it (the device, an app, a library):
 * - PEM blocks (private keys, certificates, CSRs), whole;
 * - the value of a JSON field whose name says it holds a secret or a credential (`key`,
 *   `privateKey`, `secret`, `token`, `password`, `certificatePem`, `csr`, `authorization`...);
 * - AWS SigV4 query credentials (`X-Amz-Signature`, `X-Amz-Credential`,
 *   `X-Amz-Security-Token`, as presigned artifact URLs carry them) and AWS access key ids;
 * - bearer tokens and JWTs.
 * Redacting the text rather than known fields covers lines that are not the device's JSON.
 */
const PATTERNS: readonly RegExp[] = [
  // A PEM block, or the rest of the line after a BEGIN whose END was cut off.
  /-----BEGIN [A-Z0-9 ]+-----[\s\S]*?(?:-----END [A-Z0-9 ]+-----|$)/g,
  /(X-Amz-(?:Signature|Credential|Security-Token)=)[^&"\s\\]+/gi,
  /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g,
  /(\bBearer\s+)[A-Za-z0-9._~+/=-]+/gi,
  /\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g,
];

/** A JSON field name that holds a secret (matched on the name, case-insensitive). */
const SECRET_FIELD =
  /("[^"]*(?:key|secret|token|passw(?:or)?d|credential|certificate_?pem|certificatePem|csr|authorization|signature)[^"]*"\s*:\s*)("(?:[^"\\]|\\.)*"|\{[^{}]*\}|\[[^[\]]*\])/gi;

/** Field names that match `SECRET_FIELD` but hold no secret (public identifiers). */
const PUBLIC_FIELD = /^"(?:certificateId|keyId|publicKeyFile|keyAlgorithm)"/i;

/** The line with every secret replaced by `[redacted]`, cut to `maxLineChars`. */
export function redactLogLine(line: string): string {
  let text = line.replace(SECRET_FIELD, (whole, name: string) =>
    PUBLIC_FIELD.test(name) ? whole : `${name}"${REDACTED}"`,
  );
  for (const pattern of PATTERNS) {
    text = text.replace(pattern, (_whole, prefix?: unknown) =>
      typeof prefix === "string" ? `${prefix}${REDACTED}` : REDACTED,
    );
  }
  return cut(text);
}

function cut(text: string): string {
  const max = DEVICE_LOG_LIMITS.maxLineChars;
  return text.length <= max ? text : `${text.slice(0, max - CUT_MARK.length)}${CUT_MARK}`;
}
