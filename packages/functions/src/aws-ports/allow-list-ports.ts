import { S3Client } from "@aws-sdk/client-s3";
import {
  type AllowListPorts,
  DEFAULT_MAX_REVOKE_PCT,
  lazyMembers,
  type UseCaseLogger,
} from "@fleet/core";
import {
  DynamoDbDeviceLedger,
  IotDeviceRegistry,
  S3AllowListStore,
} from "@fleet/core/adapters/aws";
import * as z from "zod";
import { readEnv } from "../env.ts";
import { type AwsClients, awsClients } from "./aws-clients.ts";
import { acmPcaRevoker } from "./certificate-authority.ts";

/** The allow-list's versions in the stage's bucket (`ALLOW_LIST_BUCKET`). */
export function s3AllowListStore(): S3AllowListStore {
  const env = readEnv(z.object({ ALLOW_LIST_BUCKET: z.string().min(1) }));
  return new S3AllowListStore({ s3: new S3Client({}), bucket: env.ALLOW_LIST_BUCKET });
}

/** Why each serial was denied or removed (`DEVICE_LEDGER_TABLE`). */
export function dynamoDbDeviceLedger(clients: AwsClients): DynamoDbDeviceLedger {
  const env = readEnv(z.object({ DEVICE_LEDGER_TABLE: z.string().min(1) }));
  return new DynamoDbDeviceLedger({ dynamo: clients.dynamo, tableName: env.DEVICE_LEDGER_TABLE });
}

/**
 * The allow-list module's AWS ports, each built (and its variables read) on first read: the
 * list's S3 bucket, the fleet's thing group in AWS IoT, the private CA's revoker, the ledger.
 */
export function awsAllowListPorts(logger: UseCaseLogger): AllowListPorts {
  const clients = awsClients();
  return lazyMembers<AllowListPorts>({
    allowList: () => s3AllowListStore(),
    registry: () =>
      new IotDeviceRegistry({
        iot: clients.iot,
        thingGroupName: readEnv(z.object({ THING_GROUP_NAME: z.string().min(1) })).THING_GROUP_NAME,
      }),
    // Certificates AWS IoT signed (provisioning in the aws-iot signer mode) are skipped by it.
    revoker: () => acmPcaRevoker(clients.pca),
    ledger: () => dynamoDbDeviceLedger(clients),
    clock: () => () => new Date(),
    logger: () => logger,
    // A list put into the bucket around `fleet allowlist upload` is guarded here.
    maxRevokePct: () => DEFAULT_MAX_REVOKE_PCT,
  });
}
