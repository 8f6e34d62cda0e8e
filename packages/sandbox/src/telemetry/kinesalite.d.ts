// kinesalite ships no types; the sandbox uses its programmatic server only.
declare module "kinesalite" {
  import type { Server } from "node:http";

  interface KinesaliteOptions {
    /** LevelDB directory; in memory when omitted. */
    path?: string;
    createStreamMs?: number;
    deleteStreamMs?: number;
    updateStreamMs?: number;
    shardLimit?: number;
  }

  export default function kinesalite(options?: KinesaliteOptions): Server;
}
