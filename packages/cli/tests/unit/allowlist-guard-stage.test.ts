import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { main } from "../../src/main.ts";
import { captureCliOutput } from "../support/cli-output.ts";
import { answerAllowListObject } from "../support/stage-mocks.ts";

const serials = (count: number) =>
  Array.from({ length: count }, (_, i) => `board-${String(i).padStart(4, "0")}`);

describe("fleet allowlist upload --stage: the revocation guard", () => {
  const ssm = mockClient(SSMClient);
  const s3 = mockClient(S3Client);
  const { stderr } = captureCliOutput({ awsEnv: true });

  beforeEach(() => {
    ssm.reset();
    s3.reset();
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: "fleet-dev-allowlist-abc123" } });
    answerAllowListObject(s3, `${serials(10).join("\n")}\n`);
    s3.on(PutObjectCommand).resolves({ VersionId: "v2" });
  });

  async function listFile(count: number): Promise<string> {
    const file = join(await mkdtemp(join(tmpdir(), "fleet-allowlist-")), "serials.txt");
    await writeFile(file, `${serials(count).join("\n")}\n`);
    return file;
  }

  it("refuses a list revoking 4 of 10 devices without --yes, and puts nothing", async () => {
    expect(await main(["allowlist", "upload", await listFile(6), "--stage", "dev"])).toBe(2);

    expect(stderr.join("")).toContain("removes 4 of 10 serials (40%), more than 10% of the fleet");
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it("puts it with --yes", async () => {
    expect(await main(["allowlist", "upload", await listFile(6), "--stage", "dev", "--yes"])).toBe(
      0,
    );

    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(1);
  });
});
