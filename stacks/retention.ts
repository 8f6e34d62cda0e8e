/**
 * What a protected stage (prod: `protect` in sst.config.ts) must keep: the resources holding
 * its identity and its data, by type. SST's `removal: "retain"` is not enough: it sets
 * `retainOnDelete` on a fixed list of types only (DynamoDB tables, S3 buckets, VPC and RDS
 * resources...: `addTransformationToRetainResourcesOnDelete` in .sst/platform/src/auto/run.ts),
 * so the private CA, the Timestream database, the claim credentials, the stream and the queues
 * would be deleted by a removal, or by a replacement.
 *
 * Each resource of these types gets, in a protected stage only:
 * - `retainOnDelete`: whatever removes it from the stack (`sst remove`, a deleted line, a
 *   replacement) leaves it in AWS and drops it from the state;
 * - `protect`: the engine refuses any deployment that would delete or replace it. A create-only
 *   change (e.g. `FLEET_CA_MODE`, a CA's key algorithm, a table's key) therefore fails the
 *   deploy instead of replacing the resource. To go through with it, an operator lifts the
 *   protection for that one deploy (`pulumi state unprotect <urn>` on the stage's state, or the
 *   type left out of the lists below); the deploy then creates the new
 *   resource and, thanks to `retainOnDelete`, leaves the old one in AWS: an old CA keeps
 *   running (and costing) with every device certificate it issued still valid, until the fleet
 *   has rotated to the new CA and the operator disables and deletes the old one by hand.
 */

/** Pulumi types of the stateful resources, as the engine names them. */
export const RETAINED_RESOURCE_TYPES: readonly string[] = [
  // The private CA, its own certificate and its installation: every device certificate
  // chains to them.
  "aws:acmpca/certificateAuthority:CertificateAuthority",
  "aws:acmpca/certificate:Certificate",
  "aws:acmpca/certificateAuthorityCertificate:CertificateAuthorityCertificate",
  // Telemetry history (Timestream for LiveAnalytics), the stream and the queues in flight.
  "aws:timestreamwrite/database:Database",
  "aws:timestreamwrite/table:Table",
  "aws:kinesis/stream:Stream",
  "aws:sqs/queue:Queue",
  // The claim certificate baked into every OS image, its policy attachment, and its
  // credentials (the secret and the version holding the key: a deleted version loses it).
  "aws:iot/certificate:Certificate",
  "aws:iot/policyAttachment:PolicyAttachment",
  "aws:secretsmanager/secret:Secret",
  "aws:secretsmanager/secretVersion:SecretVersion",
  // Ledger, rotations, releases; the allow-list, the artifacts and the magnetic store's
  // rejection reports (SST's bucket is a Bucket).
  "aws:dynamodb/table:Table",
  "aws:s3/bucket:Bucket",
  "aws:s3/bucketV2:BucketV2",
  // What devices are registered in and authorized by.
  "aws:iot/thingGroup:ThingGroup",
  "aws:iot/policy:Policy",
];

/**
 * Whether a resource of this Pulumi type is kept by a protected stage. No Cloud Control resource
 * is: the job templates are replaced on every change by design (stacks/job-template.ts), and the
 * certificate provider must go with its signer function, which is not kept: a provider left
 * behind would point every CreateCertificateFromCsr of the account at a deleted function and
 * fail them all, where a removed one hands signing back to AWS IoT.
 */
export function isRetained(type: string): boolean {
  return RETAINED_RESOURCE_TYPES.includes(type);
}

/**
 * Registers the rule for every resource created after it: call first thing in `run()`.
 * Does nothing in a stage that is not protected (every stage but prod is disposable).
 */
export function retainProtectedStageResources(): void {
  if (!$app.protect) return;
  $util.runtime.registerStackTransformation((args) => {
    if (!isRetained(args.type)) return undefined;
    return { props: args.props, opts: { ...args.opts, retainOnDelete: true, protect: true } };
  });
}
