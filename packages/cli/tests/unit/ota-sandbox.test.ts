import { writeFile } from "node:fs/promises";
import { isAbsolute } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/main.ts";
import { writeAppArtifact } from "../support/app-artifact.ts";
import { captureCliOutput } from "../support/cli-output.ts";
import { RELEASE } from "../support/ota-fixtures.ts";
import { stubSandboxApi } from "../support/stub-sandbox-api.ts";

const MANIFEST = { name: "led", version: "1.0.0", start: "node main.js" };

describe("fleet ota against a sandbox", () => {
  const api = stubSandboxApi();
  const { stdout, stderr } = captureCliOutput();
  /** `fleet ota release --artifact <artifact> <flags...>` against the stub sandbox. */
  const release = (artifact: string, ...flags: string[]) =>
    main(["ota", "release", "--artifact", artifact, ...flags, "--state-dir", api.stateDir]);
  const answerReleases = () => {
    api.route = ({ method, url }) => {
      if (url !== "/v1/releases") return undefined;
      return {
        status: method === "POST" ? 201 : 200,
        body: method === "POST" ? RELEASE : [RELEASE],
      };
    };
  };

  it("release validates the artifact, posts its absolute path and options, and prints the release", async () => {
    answerReleases();
    const artifact = await writeAppArtifact(MANIFEST);
    const code = await release(
      artifact,
      "--target",
      "fleet",
      "10000000a1b2c3d4",
      "--canary",
      "canary",
      "--abort-failure-pct",
      "25",
    );
    expect(code).toBe(0);
    expect(api.requests).toHaveLength(1);
    const body = JSON.parse(api.requests[0]?.body ?? "");
    expect(body).toEqual({
      artifactPath: artifact,
      targets: ["fleet", "10000000a1b2c3d4"],
      canaryGroup: "canary",
      abortFailurePct: 25,
    });
    expect(isAbsolute(body.artifactPath)).toBe(true);
    const table = stdout.join("");
    for (const value of [
      RELEASE.releaseId,
      RELEASE.sha256,
      "canary",
      "led-1_0_0-1795000000-canary",
    ]) {
      expect(table).toContain(value);
    }
    expect(stderr.join("")).toMatch(/led 1\.0\.0: \d+ bytes, sha256 [0-9a-f]{64}/);
  });

  it("release without --canary sends no canary group and the default abort percentage", async () => {
    answerReleases();
    const artifact = await writeAppArtifact(MANIFEST);
    const code = await release(artifact, "--target", "fleet", "--json");
    expect(code).toBe(0);
    expect(JSON.parse(api.requests[0]?.body ?? "")).toEqual({
      artifactPath: artifact,
      targets: ["fleet"],
      abortFailurePct: 10,
    });
    expect(JSON.parse(stdout.join(""))).toEqual(RELEASE);
  });

  it("release --canary-deadline sends the canary deadline in whole minutes; a bad duration is a usage error", async () => {
    answerReleases();
    const artifact = await writeAppArtifact(MANIFEST);
    const flags = ["--target", "fleet", "--canary", "canary", "--json"];
    expect(await release(artifact, ...flags, "--canary-deadline", "90m")).toBe(0);
    expect(JSON.parse(api.requests[0]?.body ?? "")).toMatchObject({ canaryDeadlineMinutes: 90 });

    expect(await release(artifact, ...flags, "--canary-deadline", "soon")).toBe(2);
    expect(stderr.join("")).toContain("--canary-deadline soon: expected a duration");
    expect(api.requests).toHaveLength(1);
  });

  it("an artifact whose app.json lacks a version is a usage error naming the file and field, and nothing is sent", async () => {
    const artifact = await writeAppArtifact({ name: "led", start: "node main.js" });
    const code = await release(artifact, "--target", "fleet");
    expect(code).toBe(2);
    expect(stderr.join("")).toContain(artifact);
    expect(stderr.join("")).toMatch(/version/);
    expect(api.requests).toEqual([]);
  });

  it("a file that is not a .tar.gz is a usage error", async () => {
    const artifact = `${api.stateDir}/not-an-artifact.tar.gz`;
    await writeFile(artifact, "just text\n");
    const code = await release(artifact, "--target", "fleet");
    expect(code).toBe(2);
    expect(stderr.join("")).toMatch(/not a gzip-compressed file/);
    expect(api.requests).toEqual([]);
  });

  it("a missing artifact file is a usage error naming it", async () => {
    const code = await release("no-such-file.tar.gz", "--target", "fleet");
    expect(code).toBe(2);
    expect(stderr.join("")).toMatch(/^fleet: --artifact no-such-file\.tar\.gz: cannot read it/m);
  });

  it("an unknown target is a usage error with the sandbox's reason", async () => {
    api.route = () => ({ status: 404, body: { error: "no thing group or thing named nope" } });
    const artifact = await writeAppArtifact(MANIFEST);
    const code = await release(artifact, "--target", "nope");
    expect(code).toBe(2);
    expect(stderr.join("")).toMatch(/answered 404: no thing group or thing named nope/);
  });

  it.each([
    ["an abort percentage over 100", ["--target", "fleet", "--abort-failure-pct", "150"]],
    ["a target name with a slash", ["--target", "fleet/a"]],
    ["a canary group name with a space", ["--target", "fleet", "--canary", "my canary"]],
  ])("release with %s is a usage error that reads and sends nothing", async (_, flags) => {
    const code = await release("unread.tar.gz", ...flags);
    expect(code).toBe(2);
    expect(stderr.join("")).toMatch(/^fleet: --(abort-failure-pct|target|canary) /m);
    expect(api.requests).toEqual([]);
  });

  it("release --signing-key is a usage error on the sandbox, which signs with the key its devices trust", async () => {
    const code = await release("unread.tar.gz", "--target", "fleet", "--signing-key", "key.pem");
    expect(code).toBe(2);
    expect(stderr.join("")).toMatch(/^fleet: --signing-key is for a stage/m);
    expect(api.requests).toEqual([]);
  });

  it("releases lists the sandbox's releases as a table", async () => {
    answerReleases();
    expect(await main(["ota", "releases", "--state-dir", api.stateDir])).toBe(0);
    expect(stdout.join("")).toMatch(/release.*app.*version.*phase.*canary job.*fleet job.*reason/);
    expect(stdout.join("")).toMatch(/led-1_0_0-1795000000.*led.*1\.0\.0.*canary/);
  });

  it("releases --json prints the records", async () => {
    answerReleases();
    expect(await main(["ota", "releases", "--json", "--state-dir", api.stateDir])).toBe(0);
    expect(api.requests).toEqual([{ method: "GET", url: "/v1/releases", body: "" }]);
    expect(JSON.parse(stdout.join(""))).toEqual([RELEASE]);
  });
});
