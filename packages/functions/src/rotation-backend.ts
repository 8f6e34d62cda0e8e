import type { IoTClient } from "@aws-sdk/client-iot";
import {
  AcmPcaCertificateRevoker,
  createAcmPcaClient,
  createDynamoDbClient,
  DynamoDbRotationStore,
  IotJobStarter,
} from "@fleet/core/adapters/aws";
import * as z from "zod";
import { CertificateAuthorityEnvSchema } from "./certificate-authority-env.ts";
import { ControlPlaneEnvSchema } from "./control-plane.ts";
import { PowertoolsEnvSchema } from "./powertools.ts";

/** The variables every rotation function (CSR, commit, sweeper) reads; each adds its own. */
export const RotationEnvSchema = PowertoolsEnvSchema.extend(ControlPlaneEnvSchema.shape)
  .extend(CertificateAuthorityEnvSchema.shape)
  .extend({
    ROTATION_TABLE: z.string().min(1),
    THING_GROUP_NAME: z.string().min(1),
  });
export type RotationEnv = z.infer<typeof RotationEnvSchema>;

/** The variables of the functions that create or cancel rotation jobs. */
export const RotationJobEnvSchema = z.object({
  ROTATION_JOB_TEMPLATE_ID: z.string().min(1),
  ROTATION_JOB_TEMPLATE_ARN: z.string().min(1),
});

/** The starter of rotation jobs from the stage's template (audit and sweeper functions). */
export function rotationJobStarter(
  env: z.infer<typeof RotationJobEnvSchema>,
  iot: IoTClient,
): IotJobStarter {
  return new IotJobStarter({
    iot,
    jobTemplateId: env.ROTATION_JOB_TEMPLATE_ID,
    jobTemplateArn: env.ROTATION_JOB_TEMPLATE_ARN,
  });
}

/**
 * The rotation table and the CA retiring certificates, which every rotation use case takes;
 * `throttle` paces the revoker's control-plane calls.
 */
export function rotationBackend(
  env: RotationEnv,
  throttle: <T extends object>(port: T) => T,
  pca: ReturnType<typeof createAcmPcaClient> = createAcmPcaClient(),
): { rotations: DynamoDbRotationStore; revoker: AcmPcaCertificateRevoker } {
  return {
    rotations: new DynamoDbRotationStore({
      dynamo: createDynamoDbClient(),
      tableName: env.ROTATION_TABLE,
    }),
    revoker: throttle(
      new AcmPcaCertificateRevoker({
        pca,
        certificateAuthorityArn: env.CA_ARN,
        caCertificatePem: env.CA_CERTIFICATE_PEM,
      }),
    ),
  };
}
