import { S3Client } from "@aws-sdk/client-s3";
import { SSMClient } from "@aws-sdk/client-ssm";
import { parseAllowList, previewAllowListUpload } from "@fleet/core";
import { S3AllowListStore } from "@fleet/core/adapters/aws";
import {
  type AllowListSnapshot,
  type AllowListUploadReport,
  type OperationInput,
  type OperatorRouteTable,
  stageResourceNames,
} from "@fleet/core/contracts";
import { stageClientConfig } from "./stage-client-config.ts";
import { readStageParameter } from "./stage-parameter.ts";

type UploadAllowListRequest = OperationInput<OperatorRouteTable["uploadAllowList"]>;

/** The stage's allow-list in its bucket; the bucket's name is global, so SSM publishes it. */
export async function openStageAllowListStore(stage: string): Promise<S3AllowListStore> {
  const config = stageClientConfig(stage);
  const bucket = await readStageParameter(
    new SSMClient(config),
    stage,
    stageResourceNames(stage).allowListBucketParameter,
    "allow-list bucket",
  );
  return new S3AllowListStore({ s3: new S3Client(config), bucket });
}

/** The stage's current list; one put into the bucket by other means may be invalid: shown as is. */
export async function readStageAllowList(
  store: S3AllowListStore,
): Promise<{ version: string; serials: ReadonlySet<string> } | null> {
  const stored = await store.read();
  if (stored === null) return null;
  return { version: stored.version, serials: (await parseAllowList(stored.body)).serials };
}

export async function stageAllowListSnapshot(store: S3AllowListStore): Promise<AllowListSnapshot> {
  const current = await readStageAllowList(store);
  const serials = [...(current?.serials ?? [])].sort();
  return { version: current?.version ?? null, serials, count: serials.length };
}

/**
 * Validates the list before the stage is asked anything, diffs it against the bucket's, and
 * unless a dry run puts it; the stage's reconcile function then runs on the S3 event.
 */
export async function uploadStageAllowList(
  store: () => Promise<S3AllowListStore>,
  request: UploadAllowListRequest,
): Promise<AllowListUploadReport> {
  const { body, allowEmpty, dryRun, confirmRevocations, maxRevokePct } = request;
  const revocations = { confirmed: confirmRevocations ?? false, maxRevokePct };
  const preview = await previewAllowListUpload(
    body,
    { allowEmpty, source: "the allow-list", revocations },
    async () => readStageAllowList(await store()),
  );
  if (dryRun) return { ...preview, version: null, reconcile: null };
  // It passed the guard: the stage's reconcile removes what it removes.
  const { version } = await (await store()).write(body, { allowEmpty, revocationsConfirmed: true });
  return { ...preview, version, reconcile: null };
}
