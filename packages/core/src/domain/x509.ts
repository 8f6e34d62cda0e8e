// @peculiar/x509 reads decorator metadata and needs a WebCrypto provider before first use;
// importing it through this module guarantees both.
import "reflect-metadata";
import * as x509 from "@peculiar/x509";

x509.cryptoProvider.set(globalThis.crypto);

export { x509 };
