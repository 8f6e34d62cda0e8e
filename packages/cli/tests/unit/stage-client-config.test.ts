import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { main } from "../../src/main.ts";
import { stageClientConfig } from "../../src/targets/stage-client-config.ts";

describe("AWS settings of a stage target", () => {
  let home: string;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), "fleet-aws-config-"));
    // A profile with a region of its own, and no profile of any stage.
    await writeFile(join(home, "config"), "[profile elsewhere]\nregion = us-east-1\n");
    await writeFile(join(home, "credentials"), "");
  });
  afterAll(() => rm(home, { recursive: true, force: true }));

  beforeEach(() => {
    // Only the files above: no keys, no SSO cache, no container or instance credentials.
    vi.stubEnv("AWS_CONFIG_FILE", join(home, "config"));
    vi.stubEnv("AWS_SHARED_CREDENTIALS_FILE", join(home, "credentials"));
    vi.stubEnv("AWS_EC2_METADATA_DISABLED", "true");
    for (const name of [
      "AWS_ACCESS_KEY_ID",
      "AWS_SECRET_ACCESS_KEY",
      "AWS_SESSION_TOKEN",
      "AWS_PROFILE",
      "AWS_REGION",
      "AWS_DEFAULT_REGION",
      "AWS_WEB_IDENTITY_TOKEN_FILE",
      "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
      "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    ]) {
      vi.stubEnv(name, undefined);
    }
  });
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it("uses the region sst deploy uses: AWS_REGION, else eu-west-1, never a profile's own", async () => {
    vi.stubEnv("AWS_PROFILE", "elsewhere");
    expect(await new SSMClient(stageClientConfig("dev")).config.region()).toBe("eu-west-1");

    vi.stubEnv("AWS_REGION", "us-east-2");
    expect(await new SSMClient(stageClientConfig("dev")).config.region()).toBe("us-east-2");
  });

  it("names the profile it tried, fleet-<stage>, and how to set it up when no credentials load", async () => {
    const ssm = new SSMClient(stageClientConfig("dev"));

    await expect(ssm.send(new GetParameterCommand({ Name: "/fleet/dev/x" }))).rejects.toThrow(
      expect.objectContaining({
        name: "AwsCredentialsError",
        message: expect.stringMatching(
          /^no AWS credentials for stage dev from profile fleet-dev \(.+\): create the profile with `aws configure sso --profile fleet-dev`.*`aws sso login --profile fleet-dev`.*AWS_PROFILE/,
        ),
      }),
    );
  });

  it("names AWS_PROFILE's profile when that is the one tried", async () => {
    vi.stubEnv("AWS_PROFILE", "ops-admin");
    const ssm = new SSMClient(stageClientConfig("prod"));

    await expect(ssm.send(new GetParameterCommand({ Name: "/fleet/prod/x" }))).rejects.toThrow(
      /no AWS credentials for stage prod from profile ops-admin .*aws sso login --profile ops-admin/,
    );
  });

  it("points at the environment's keys when AWS_ACCESS_KEY_ID is set but unusable", async () => {
    vi.stubEnv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE");
    const ssm = new SSMClient(stageClientConfig("dev"));

    await expect(ssm.send(new GetParameterCommand({ Name: "/fleet/dev/x" }))).rejects.toThrow(
      /^the AWS credentials in the environment \(AWS_ACCESS_KEY_ID\) could not be used for stage dev .*set AWS_SECRET_ACCESS_KEY/,
    );
  });

  it("ends a --stage command with that one line and the AWS access exit code", async () => {
    const stderr: string[] = [];
    vi.spyOn(process.stderr, "write").mockImplementation((chunk) => stderr.push(String(chunk)) > 0);

    const exitCode = await main(["telemetry", "query", "--device", "sim-0001", "--stage", "dev"]);

    expect(exitCode).toBe(4);
    expect(stderr).toEqual([
      expect.stringMatching(
        /^fleet: no AWS credentials for stage dev from profile fleet-dev .*\n$/,
      ),
    ]);
  });
});
