import { generateKeyPairSync } from "node:crypto";
import { mkdtemp, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateJobCommand,
  DescribeJobCommand,
  DescribeJobExecutionCommand,
  DescribeThingCommand,
  DescribeThingGroupCommand,
  GetJobDocumentCommand,
  IoTClient,
  ListJobExecutionsForJobCommand,
  ListJobsCommand,
} from "@aws-sdk/client-iot";
import { HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { DynamoDBDocumentClient, PutCommand, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { type JobDocument, verifyArtifactSignature } from "@fleet/core/contracts";
import { mockClient } from "aws-sdk-client-mock";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { main } from "../../src/main.ts";
import { writeAppArtifact } from "../support/app-artifact.ts";
import { captureCliOutput } from "../support/cli-output.ts";
import { RELEASE } from "../support/ota-fixtures.ts";

const ACCOUNT = "123456789012";
const RELEASE_KEY = generateKeyPairSync("ed25519");
const notFound = () => Object.assign(new Error("not found"), { name: "ResourceNotFoundException" });

describe("fleet ota and fleet jobs --stage", () => {
  const iot = mockClient(IoTClient);
  const ssm = mockClient(SSMClient);
  const sts = mockClient(STSClient);
  const s3 = mockClient(S3Client);
  const dynamo = mockClient(DynamoDBDocumentClient);
  const { stdout, stderr } = captureCliOutput({ awsEnv: true });
  let keys: { signing: string; ecdsa: string };
  /** `fleet ota release --artifact <artifact> <flags...> --stage dev`, signed with RELEASE_KEY. */
  const release = (artifact: string, ...flags: string[]) =>
    main([
      "ota",
      "release",
      "--artifact",
      artifact,
      "--signing-key",
      keys.signing,
      ...flags,
      "--stage",
      "dev",
    ]);

  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), "fleet-release-key-"));
    keys = { signing: join(dir, "release-key.pem"), ecdsa: join(dir, "p256.pem") };
    await writeFile(keys.signing, RELEASE_KEY.privateKey.export({ type: "pkcs8", format: "pem" }));
    const ecdsa = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
    await writeFile(keys.ecdsa, ecdsa.export({ type: "pkcs8", format: "pem" }));
  });

  beforeEach(() => {
    for (const mock of [iot, ssm, sts, s3, dynamo]) mock.reset();
    ssm.on(GetParameterCommand, { Name: "/fleet/dev/artifact-bucket" }).resolves({
      Parameter: { Value: "fleet-dev-artifacts-abc123" },
    });
    sts.on(GetCallerIdentityCommand).resolves({
      Account: ACCOUNT,
      Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/operator/me`,
    });
    iot.on(DescribeThingGroupCommand).rejects(notFound());
    iot.on(DescribeThingCommand).rejects(notFound());
    for (const group of ["fleet-dev-devices", "fleet-dev-canary"]) {
      iot.on(DescribeThingGroupCommand, { thingGroupName: group }).resolves({
        thingGroupArn: `arn:aws:iot:eu-west-1:${ACCOUNT}:thinggroup/${group}`,
      });
    }
    iot.on(CreateJobCommand).resolves({});
    dynamo.on(PutCommand).resolves({});
    // A release looks for the one it supersedes: the stage has none yet.
    dynamo.on(ScanCommand).resolves({ Items: [] });
  });

  async function releaseArtifact() {
    const artifact = await writeAppArtifact({
      name: "led",
      version: "1.0.0",
      start: "node main.js",
    });
    // Already in the bucket: the store skips the upload.
    s3.on(HeadObjectCommand).resolves({ ContentLength: (await stat(artifact)).size });
    return artifact;
  }

  it("release creates the canary job with the presign role and prints the release as JSON", async () => {
    const artifact = await releaseArtifact();
    const code = await release(
      artifact,
      "--target",
      "fleet-dev-devices",
      "--canary",
      "fleet-dev-canary",
      "--json",
    );
    expect(stderr.join("")).not.toMatch(/fleet: .*(error|failed)/i);
    expect(code).toBe(0);
    const jobs = iot.commandCalls(CreateJobCommand);
    expect(jobs).toHaveLength(1);
    const input = jobs[0]?.args[0].input;
    expect(input?.jobId).toMatch(/^led-1_0_0-\d+-canary$/);
    expect(input?.targets).toEqual([
      `arn:aws:iot:eu-west-1:${ACCOUNT}:thinggroup/fleet-dev-canary`,
    ]);
    expect(input?.presignedUrlConfig?.roleArn).toBe(
      `arn:aws:iam::${ACCOUNT}:role/fleet-dev-ota-presign`,
    );
    // The regional v2 placeholder of the artifact in the stage's bucket.
    expect(input?.document).toContain(
      "${aws:iot:s3-presigned-url-v2:https://s3.eu-west-1.amazonaws.com/fleet-dev-artifacts-abc123/apps/led/1.0.0/",
    );
    const printed = JSON.parse(stdout.join(""));
    expect(printed).toMatchObject({ app: "led", version: "1.0.0", phase: "canary" });
    expect(printed.canaryJobId).toBe(input?.jobId);
    expect(stderr.join("")).toContain(`creating job ${input?.jobId}`);
  });

  it("release signs the artifact with the operator's key: the job's step verifies with its public key", async () => {
    const artifact = await releaseArtifact();
    expect(await release(artifact, "--target", "fleet-dev-devices")).toBe(0);

    const document = JSON.parse(
      iot.commandCalls(CreateJobCommand)[0]?.args[0].input.document ?? "{}",
    ) as JobDocument;
    const step = document.steps[0];
    if (step?.operation !== "app-update") throw new Error("expected an app-update step");
    expect(() =>
      verifyArtifactSignature(step, step.signature, RELEASE_KEY.publicKey),
    ).not.toThrow();
    expect(stderr.join("")).toContain(`signing with release key ${step.signature?.keyId}`);
  });

  it("a stage release without --signing-key is a usage error, and nothing is uploaded or created", async () => {
    const artifact = await releaseArtifact();
    const code = await main([
      "ota",
      "release",
      "--artifact",
      artifact,
      "--target",
      "fleet-dev-devices",
      "--stage",
      "dev",
    ]);
    expect(code).toBe(2);
    expect(stderr.join("")).toMatch(/^fleet: --signing-key FILE is required with --stage/m);
    expect(iot.commandCalls(CreateJobCommand)).toHaveLength(0);
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(0);
  });

  it("a signing key that is not Ed25519 is a usage error naming the file", async () => {
    const artifact = await releaseArtifact();
    const code = await main([
      "ota",
      "release",
      "--artifact",
      artifact,
      "--target",
      "fleet-dev-devices",
      "--signing-key",
      keys.ecdsa,
      "--stage",
      "dev",
    ]);
    expect(code).toBe(2);
    expect(stderr.join("")).toContain(
      `--signing-key ${keys.ecdsa} is a ec key; release keys are Ed25519`,
    );
    expect(iot.commandCalls(CreateJobCommand)).toHaveLength(0);
  });

  it("an unknown target is a usage error naming it, and no job is created", async () => {
    const artifact = await releaseArtifact();
    const code = await release(artifact, "--target", "nope");
    expect(code).toBe(2);
    expect(stderr.join("")).toMatch(/^fleet: .*nope/m);
    expect(iot.commandCalls(CreateJobCommand)).toHaveLength(0);
  });

  it("a stage without an artifact bucket says to deploy it", async () => {
    ssm
      .on(GetParameterCommand)
      .rejects(Object.assign(new Error("x"), { name: "ParameterNotFound" }));
    const artifact = await releaseArtifact();
    const code = await release(artifact, "--target", "fleet-dev-devices");
    expect(code).toBe(1);
    expect(stderr.join("")).toMatch(/no artifact bucket .*npx sst deploy --stage dev/);
  });

  it("releases lists the release table", async () => {
    dynamo.on(ScanCommand).resolves({ Items: [RELEASE] });
    expect(await main(["ota", "releases", "--json", "--stage", "dev"])).toBe(0);
    expect(JSON.parse(stdout.join(""))).toEqual([RELEASE]);
  });

  it("jobs lists the stage's jobs with their counts", async () => {
    iot.on(ListJobsCommand).resolves({ jobs: [{ jobId: "led-1_0_0-1795000000-canary" }] });
    iot.on(DescribeJobCommand).resolves({
      job: {
        jobId: "led-1_0_0-1795000000-canary",
        status: "COMPLETED",
        jobProcessDetails: { numberOfSucceededThings: 2, numberOfFailedThings: 1 },
        createdAt: new Date("2026-11-21T10:00:00Z"),
        completedAt: new Date("2026-11-21T10:05:00Z"),
      },
    });
    expect(await main(["jobs", "--stage", "dev"])).toBe(0);
    expect(stdout.join("")).toMatch(
      /led-1_0_0-1795000000-canary.*COMPLETED.*2.*1.*0.*0.*2026-11-21T10:00:00\.000Z/,
    );
  });

  it("jobs show prints each device's execution with its status details", async () => {
    const jobId = "led-1_0_0-1795000000-canary";
    iot.on(DescribeJobCommand, { jobId }).resolves({
      job: { jobId, status: "IN_PROGRESS", createdAt: new Date("2026-11-21T10:00:00Z") },
    });
    iot.on(GetJobDocumentCommand, { jobId }).resolves({ document: '{"version":"1","steps":[]}' });
    iot.on(ListJobExecutionsForJobCommand, { jobId }).resolves({
      executionSummaries: [{ thingArn: `arn:aws:iot:eu-west-1:${ACCOUNT}:thing/10000000a1b2c3d4` }],
    });
    iot.on(DescribeJobExecutionCommand).resolves({
      execution: {
        status: "IN_PROGRESS",
        statusDetails: { detailsMap: { step: "1/1", phase: "verify" } },
        lastUpdatedAt: new Date("2026-11-21T10:01:00Z"),
      },
    });
    expect(await main(["jobs", "show", jobId, "--stage", "dev"])).toBe(0);
    expect(stdout.join("")).toMatch(
      /10000000a1b2c3d4.*IN_PROGRESS.*step=1\/1 phase=verify.*2026-11-21T10:01:00\.000Z/,
    );
  });

  it("jobs show of a job the stage does not have fails naming it", async () => {
    iot.on(DescribeJobCommand).rejects(notFound());
    expect(await main(["jobs", "show", "nope", "--stage", "dev"])).toBe(1);
    expect(stderr.join("")).toBe("fleet: no job named nope\n");
    expect(iot.commandCalls(ListJobExecutionsForJobCommand)).toHaveLength(0);
  });
});
