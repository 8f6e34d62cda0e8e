export interface PrivateBucket {
  bucket: sst.aws.Bucket;
  /** The SSM parameter holding the bucket's name, where the CLI looks it up. */
  parameter: aws.ssm.Parameter;
}

/**
 * A bucket only the fleet's functions and CLI use, through the SDK: versioned, HTTPS only, no
 * browser origin, SSE-S3; its name published in SSM for the CLI. Resources are named `<name>`,
 * `<name>Encryption` and `parameterResource` (names kept stable: they are the resources' URNs).
 */
export function privateBucket(
  name: string,
  options: { parameterResource: string; parameterName: string; description: string },
): PrivateBucket {
  const bucket = new sst.aws.Bucket(name, {
    versioning: true,
    // SST's default: a bucket policy that denies every request not made over TLS.
    enforceHttps: true,
    cors: false,
  });
  // S3 encrypts new objects with SSE-S3 anyway; stated here so the setting is visible and kept.
  // SSE-S3 rather than KMS: presigned GETs then need no key grant.
  new aws.s3.BucketServerSideEncryptionConfiguration(`${name}Encryption`, {
    bucket: bucket.name,
    rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
  });
  const parameter = new aws.ssm.Parameter(options.parameterResource, {
    name: options.parameterName,
    description: options.description,
    type: "String",
    // A bucket name is no secret: kept readable in the state and the console.
    insecureValue: bucket.name,
  });
  return { bucket, parameter };
}
