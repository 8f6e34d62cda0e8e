import { readFile } from "node:fs/promises";
import { TlsMaterialError } from "../errors.ts";
import type { SessionTarget } from "./session.ts";

/** PEM contents for mutual TLS. Held in memory only for the connect call; never logged. */
export interface TlsMaterial {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

/**
 * Reads the CA, certificate and key files; throws `TlsMaterialError` naming the config field
 * (`tls.keyFile` unless `fields` names it otherwise, e.g. for the claim certificate).
 */
export async function readTlsMaterial(
  files: SessionTarget["tls"],
  fields: { certFile?: string; keyFile?: string } = {},
): Promise<TlsMaterial> {
  const read = async (field: string, file: string) => {
    try {
      return await readFile(file);
    } catch (cause) {
      throw new TlsMaterialError({ field, file }, { cause });
    }
  };
  const [ca, cert, key] = await Promise.all([
    read("tls.caFile", files.caFile),
    read(fields.certFile ?? "tls.certFile", files.certFile),
    read(fields.keyFile ?? "tls.keyFile", files.keyFile),
  ]);
  return { ca, cert, key };
}
