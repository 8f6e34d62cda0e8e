import { DEVICE_LOG_LIMITS } from "@fleet/core/contracts";

export const REDACTED = "[redacted]";
const CUT_MARK = "…[cut]";

/**
 * What never leaves the device in a log line, whatever wrote it (the device, an app, a library):
 * - PEM blocks (private keys, certificates, CSRs), whole;
 * - the value of a JSON field whose name says it holds a secret or a credential (`key`,
 *   `privateKey`, `secret`, `token`, `password`, `certificatePem`, `csr`, `authorization`...),
 *   whatever it holds and however deep (a JSON line is parsed; other text is matched);
 * - AWS SigV4 query credentials (`X-Amz-Signature`, `X-Amz-Credential`,
 *   `X-Amz-Security-Token`, as presigned artifact URLs carry them) and AWS access key ids;
 * - bearer tokens and JWTs.
 * The patterns apply to the whole text after the fields, so they also cover lines that are not
 * JSON and secrets inside ordinary values (a URL in a message, a key pasted into an error).
 */
const PATTERNS: readonly RegExp[] = [
  // A PEM block, or the rest of the line after a BEGIN whose END was cut off.
  /-----BEGIN [A-Z0-9 ]+-----[\s\S]*?(?:-----END [A-Z0-9 ]+-----|$)/g,
  /(X-Amz-(?:Signature|Credential|Security-Token)=)[^&"\s\\]+/gi,
  /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g,
  /(\bBearer\s+)[A-Za-z0-9._~+/=-]+/gi,
  /\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g,
];

/** A field name that holds a secret (case-insensitive). */
const SECRET_NAME =
  /key|secret|token|passw(?:or)?d|credential|certificate_?pem|csr|authorization|signature/i;
/** Names that match `SECRET_NAME` but hold no secret (public identifiers). */
const PUBLIC_NAME = /^(?:certificateId|keyId|publicKeyFile|keyAlgorithm)$/i;
/** `"name": value` in text that is not one JSON object (a flat value only). */
const TEXT_FIELD = /"([^"]*)"(\s*:\s*)("(?:[^"\\]|\\.)*"|\{[^{}]*\}|\[[^[\]]*\])/g;

const isSecretName = (name: string) => SECRET_NAME.test(name) && !PUBLIC_NAME.test(name);

/** The line with every secret replaced by `[redacted]`, cut to `maxLineChars`. */
export function redactLogLine(line: string): string {
  let text =
    redactJsonFields(line) ??
    line.replace(TEXT_FIELD, (whole, name: string, colon: string) =>
      isSecretName(name) ? `"${name}"${colon}"${REDACTED}"` : whole,
    );
  for (const pattern of PATTERNS) {
    text = text.replace(pattern, (_whole, prefix?: unknown) =>
      typeof prefix === "string" ? `${prefix}${REDACTED}` : REDACTED,
    );
  }
  return cut(text);
}

/** A JSON object line with its secret-named fields redacted at any depth; else undefined. */
function redactJsonFields(line: string): string | undefined {
  if (!line.startsWith("{")) return undefined;
  try {
    return JSON.stringify(JSON.parse(line), (name, value: unknown) =>
      name !== "" && isSecretName(name) ? REDACTED : value,
    );
  } catch {
    // Not JSON (or nested past the engine's depth): matched as text.
    return undefined;
  }
}

function cut(text: string): string {
  const max = DEVICE_LOG_LIMITS.maxLineChars;
  return text.length <= max ? text : `${text.slice(0, max - CUT_MARK.length)}${CUT_MARK}`;
}
