import { createHash, X509Certificate } from "node:crypto";

/**
 * AWS IoT's certificate id: the lowercase hex SHA-256 of the certificate's DER encoding.
 * Accepts a PEM string or the DER bytes (as `TLSSocket.getPeerCertificate().raw` gives them).
 */
export function certificateIdOf(certificate: string | Uint8Array): string {
  const der = typeof certificate === "string" ? new X509Certificate(certificate).raw : certificate;
  return createHash("sha256").update(der).digest("hex");
}
