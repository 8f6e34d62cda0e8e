import {
  AcmPcaCertificateRevoker,
  createAcmPcaClient,
  createDynamoDbClient,
  DynamoDbRotationStore,
} from "@fleet/core/adapters/aws";
import { z } from "zod";
import { PowertoolsEnvSchema } from "./powertools.ts";

/** The variables every rotation function (CSR, commit, sweeper) reads; each adds its own. */
export const RotationEnvSchema = PowertoolsEnvSchema.extend({
  ROTATION_TABLE: z.string().min(1),
  THING_GROUP_NAME: z.string().min(1),
  CA_ARN: z.string().min(1),
  CA_CERTIFICATE_PEM: z.string().includes("BEGIN CERTIFICATE"),
});
export type RotationEnv = z.infer<typeof RotationEnvSchema>;

/** The rotation table and the CA retiring certificates, which every rotation use case takes. */
export function rotationBackend(
  env: RotationEnv,
  pca: ReturnType<typeof createAcmPcaClient> = createAcmPcaClient(),
): { rotations: DynamoDbRotationStore; revoker: AcmPcaCertificateRevoker } {
  return {
    rotations: new DynamoDbRotationStore({
      dynamo: createDynamoDbClient(),
      tableName: env.ROTATION_TABLE,
    }),
    revoker: new AcmPcaCertificateRevoker({
      pca,
      certificateAuthorityArn: env.CA_ARN,
      caCertificatePem: env.CA_CERTIFICATE_PEM,
    }),
  };
}
