import { lazyMembers, type RotationPorts, type UseCaseLogger } from "@fleet/core";
import {
  DeviceDefenderAuditFindings,
  DynamoDbRotationStore,
  IotDeviceRegistry,
  IotJobStarter,
} from "@fleet/core/adapters/aws";
import * as z from "zod";
import { readEnv } from "../env.ts";
import { awsClients } from "./aws-clients.ts";
import { acmPcaIssuer, acmPcaRevoker, certificateValidityMs } from "./certificate-authority.ts";
import { controlPlaneLimiter } from "./control-plane.ts";

const MINUTE_MS = 60_000;

const RotationRegistryEnvSchema = z.object({ THING_GROUP_NAME: z.string().min(1) });
const DevicePolicyEnvSchema = z.object({ DEVICE_POLICY_NAME: z.string().min(1) });

const RotationJobEnvSchema = z.object({
  ROTATION_JOB_TEMPLATE_ID: z.string().min(1),
  ROTATION_JOB_TEMPLATE_ARN: z.string().min(1),
});

/**
 * The rotation module's AWS ports, each built (and its variables read) when the module first
 * reads it: a rotation function builds only the ports of the use case it runs, so it needs only
 * their variables, and its role only their calls. A missing variable fails the cold start with
 * its name. The rotation table, AWS IoT (registry, the stage's job template, Device Defender),
 * ACM Private CA, and the function's share of the control-plane budget.
 */
export function awsRotationPorts(
  logger: UseCaseLogger,
  options: {
    /** The CSR function attaches the device policy to new certificates (`DEVICE_POLICY_NAME`). */
    attachesDevicePolicy?: boolean;
  } = {},
): RotationPorts {
  const clients = awsClients();
  return lazyMembers<RotationPorts>({
    rotations: () =>
      new DynamoDbRotationStore({
        dynamo: clients.dynamo,
        tableName: readEnv(z.object({ ROTATION_TABLE: z.string().min(1) })).ROTATION_TABLE,
      }),
    registry: () => {
      const { THING_GROUP_NAME } = readEnv(RotationRegistryEnvSchema);
      return new IotDeviceRegistry({
        iot: clients.iot,
        thingGroupName: THING_GROUP_NAME,
        devicePolicyName: options.attachesDevicePolicy
          ? readEnv(DevicePolicyEnvSchema).DEVICE_POLICY_NAME
          : undefined,
      });
    },
    jobs: () => {
      const env = readEnv(RotationJobEnvSchema);
      return new IotJobStarter({
        iot: clients.iot,
        jobTemplateId: env.ROTATION_JOB_TEMPLATE_ID,
        jobTemplateArn: env.ROTATION_JOB_TEMPLATE_ARN,
      });
    },
    issuer: () => acmPcaIssuer(clients.pca),
    revoker: () => acmPcaRevoker(clients.pca),
    findings: () => new DeviceDefenderAuditFindings({ iot: clients.iot, logger }),
    limiter: () => controlPlaneLimiter(),
    clock: () => () => new Date(),
    logger: () => logger,
    deadlineMs: () =>
      readEnv(z.object({ ROTATION_DEADLINE_MINUTES: z.coerce.number().int().positive() }))
        .ROTATION_DEADLINE_MINUTES * MINUTE_MS,
    validityMs: () => certificateValidityMs(),
  });
}
