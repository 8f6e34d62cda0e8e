import { parseAllowList, type ReconcileSummary } from "@fleet/core";
import type { Target } from "../commands/target-options.ts";
import { SandboxClient } from "./sandbox-client.ts";
import { stageAllowListStore } from "./stage-allow-list-store.ts";

export interface CurrentAllowList {
  version: string;
  serials: ReadonlySet<string>;
}

export interface UploadOutcome {
  version: string;
  /** The sandbox reconciles at once; a stage's reconcile Lambda runs on the S3 event. */
  reconcile: ReconcileSummary | null;
}

/** Where `fleet allowlist` reads and writes the list: the sandbox API or the stage's bucket. */
export interface AllowListTarget {
  readonly description: string;
  current(): Promise<CurrentAllowList | null>;
  upload(body: Uint8Array, options: { allowEmpty: boolean }): Promise<UploadOutcome>;
}

export async function allowListTargetFor(target: Target): Promise<AllowListTarget> {
  if (target.kind === "sandbox") {
    const client = await SandboxClient.connect(target.stateDir);
    return {
      description: `the sandbox (${target.stateDir})`,
      current: () => client.readAllowList(),
      upload: (body, options) => client.uploadAllowList(body, options),
    };
  }
  const { store, bucket } = await stageAllowListStore(target.stage);
  return {
    description: `stage ${target.stage} (s3://${bucket})`,
    async current() {
      const stored = await store.read();
      if (stored === null) return null;
      // A list put into the bucket by other means may be invalid: show what it holds anyway.
      const parsed = await parseAllowList(stored.body);
      return { version: stored.version, serials: parsed.serials };
    },
    async upload(body, options) {
      const { version } = await store.write(body, options);
      return { version, reconcile: null };
    },
  };
}
