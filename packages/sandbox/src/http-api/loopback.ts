import { isIP } from "node:net";

/** Where the sandbox API always listens, whatever interface the broker was given. */
export const LOOPBACK_ADDRESS = "127.0.0.1";

/** True for names that reach only this machine: `localhost`, 127.0.0.0/8 and `::1`. */
export function isLoopbackHost(host: string): boolean {
  const name = host.toLowerCase().replace(/^\[(.*)\]$/, "$1");
  if (name === "localhost" || name === "::1") return true;
  return isIP(name) === 4 && name.startsWith("127.");
}
