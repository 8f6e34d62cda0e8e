import { dirname, join } from "node:path";
import type { TlsFiles } from "../connection/device-connection.ts";

/**
 * Where a rotation keeps its files: the new pair (`cert.next.pem`, `key.next.pem`) and the
 * replaced one (`cert.prev.pem`, `key.prev.pem`) beside the device's certificate and key,
 * the progress in `<stateDir>/rotation.json`.
 */
export interface RotationFiles {
  current: TlsFiles;
  next: TlsFiles;
  prev: TlsFiles;
  stateFile: string;
}

export function rotationFiles(current: TlsFiles, stateDir: string): RotationFiles {
  const besideCert = (name: string) => join(dirname(current.certFile), name);
  const besideKey = (name: string) => join(dirname(current.keyFile), name);
  return {
    current: { certFile: current.certFile, keyFile: current.keyFile },
    next: { certFile: besideCert("cert.next.pem"), keyFile: besideKey("key.next.pem") },
    prev: { certFile: besideCert("cert.prev.pem"), keyFile: besideKey("key.prev.pem") },
    stateFile: join(stateDir, "rotation.json"),
  };
}
