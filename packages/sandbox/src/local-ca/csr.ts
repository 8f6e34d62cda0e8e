import { InvalidCsrError } from "../errors.ts";
import { x509 } from "./x509.ts";

/**
 * The subject common name a CSR asks for, or undefined when it names none. The local CA copies
 * it into the certificate, so the pre-provisioning hook can compare it with the serial.
 */
export function csrCommonName(csrPem: string): string | undefined {
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(csrPem);
  } catch (error) {
    throw new InvalidCsrError("not a PEM or DER PKCS#10 request", { cause: error });
  }
  return csr.subjectName.getField("CN")[0];
}
