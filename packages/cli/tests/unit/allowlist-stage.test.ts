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

const BUCKET = "fleet-dev-allowlist-abc123";

describe("fleet allowlist --stage", () => {
  const ssm = mockClient(SSMClient);
  const s3 = mockClient(S3Client);
  const { stdout, stderr } = captureCliOutput({ awsEnv: true });

  beforeEach(() => {
    ssm.reset();
    s3.reset();
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: BUCKET } });
    answerAllowListObject(s3, "board-0001\nboard-0002\n");
    s3.on(PutObjectCommand).resolves({ VersionId: "v2" });
  });

  async function listFile(text: string): Promise<string> {
    const file = join(await mkdtemp(join(tmpdir(), "fleet-allowlist-")), "serials.txt");
    await writeFile(file, text);
    return file;
  }

  it("uploads a valid list to the stage's bucket with its diff against the current version", async () => {
    const file = await listFile("serial\nboard-0001\nboard-0003\n");
    expect(await main(["allowlist", "upload", file, "--stage", "dev", "--json"])).toBe(0);
    const report = JSON.parse(stdout.join(""));
    expect(report).toMatchObject({
      serials: 2,
      currentVersion: "v1",
      diff: {
        added: 1,
        removed: 1,
        unchanged: 1,
        addedSample: ["board-0003"],
        removedSample: ["board-0002"],
      },
      uploaded: { version: "v2", reconcile: null },
    });
    const put = s3.commandCalls(PutObjectCommand)[0]?.args[0].input;
    expect(put).toMatchObject({
      Bucket: BUCKET,
      Key: "allow-list",
      Metadata: { "allow-empty": "false" },
    });
    expect(Buffer.from(put?.Body as Uint8Array).toString()).toBe(
      "serial\nboard-0001\nboard-0003\n",
    );
  });

  it("--dry-run shows the diff and puts nothing", async () => {
    const file = await listFile("board-0001\nboard-0002\nboard-0009\n");
    expect(await main(["allowlist", "upload", file, "--stage", "dev", "--dry-run"])).toBe(0);
    expect(stdout.join("")).toMatch(/\+1 added, -0 removed, 2 unchanged/);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it("--dry-run refuses a JSON nesting bomb naming its line and column, without crashing", async () => {
    const file = await listFile(`[\n  "board-0001",\n  ${"[".repeat(1_000_000)}`);
    expect(await main(["allowlist", "upload", file, "--stage", "dev", "--dry-run"])).toBe(2);
    expect(stderr.join("")).toContain("is JSON nested deeper than 8 levels at line 3, column 10");
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it("refuses an empty file without --allow-empty, before touching AWS", async () => {
    const file = await listFile("serial\n# nothing yet\n");
    expect(await main(["allowlist", "upload", file, "--stage", "dev"])).toBe(2);
    expect(stderr.join("")).toMatch(/empty: it would revoke every device/);
    expect(ssm.calls()).toHaveLength(0);
  });

  it("says how to deploy when the stage has no allow-list bucket", async () => {
    ssm
      .on(GetParameterCommand)
      .rejects(Object.assign(new Error("not found"), { name: "ParameterNotFound" }));
    expect(await main(["allowlist", "show", "--stage", "dev"])).toBe(1);
    expect(stderr.join("")).toMatch(
      /SSM parameter \/fleet\/dev\/allow-list-bucket not found.*sst deploy --stage dev/,
    );
  });
});
