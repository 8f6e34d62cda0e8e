import { join } from "node:path";
import { type ReleaseRecord, ReleaseRecordSchema } from "@fleet/core/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as z from "zod";
import { CANARY_THING_GROUP } from "../../src/index.ts";
import { type CliFleet, FLEET_THING_GROUP, startCliFleet } from "./cli-fleet-fixture.ts";
import {
  buildDemoApp,
  type DeviceProcess,
  fleet,
  fleetFails,
  runningVersion,
} from "./ota-fixture.ts";
import { waitFor } from "./sandbox-fixture.ts";

/** Device installs and health checks: a ceiling for each wait, never asserted. */
const TEST_TIMEOUT_MS = 120_000;

describe("release control from the fleet CLI: --wait, jobs show/watch, rollback, cancel", () => {
  let env: CliFleet["env"];
  let cliStateDir: string;
  let built: string;
  let devices: DeviceProcess[];
  let cliFleet: CliFleet;

  beforeAll(async () => {
    cliFleet = await startCliFleet("ota-release-control", ["SN-RC-CAN1", "SN-RC-FLT1"]);
    ({ env, cliStateDir, devices } = cliFleet);
    built = join(env.dir, "artifacts-built");
  });
  afterAll(() => cliFleet.stop());

  const cli = (...args: string[]) => fleet(...args, "--state-dir", cliStateDir);
  const cliFails = (...args: string[]) => fleetFails(...args, "--state-dir", cliStateDir);
  const releases = async () =>
    z.array(ReleaseRecordSchema).parse(JSON.parse(await cli("ota", "releases", "--json")));
  const everyDeviceRuns = (version: string) =>
    Promise.all(
      devices.map((device) =>
        waitFor(`${device.serial} to run led ${version}`, async () =>
          runningVersion(device, "led") === version ? true : undefined,
        ),
      ),
    );
  async function releaseWaited(
    version: string,
  ): Promise<{ stdout: string; release: ReleaseRecord }> {
    const artifact = await buildDemoApp("led", built, version);
    const stdout = await cli(
      "ota",
      "release",
      "--artifact",
      artifact.file,
      "--target",
      FLEET_THING_GROUP,
      "--canary",
      CANARY_THING_GROUP,
      "--wait",
    );
    const [release] = await releases();
    if (release === undefined) throw new Error("no release");
    return { stdout, release };
  }

  it(
    "ota release --wait prints the canary's progress, then the fleet's, one line per change when piped",
    async () => {
      const { stdout, release } = await releaseWaited("1.0.0");

      const lines = stdout.split("\n");
      const canary = lines.findIndex((line) => line.includes(`${release.releaseId}-canary `));
      const fleetLine = lines.findIndex((line) => line.includes(`${release.releaseId}-fleet `));
      expect(canary).toBeGreaterThanOrEqual(0);
      expect(fleetLine).toBeGreaterThan(canary);
      expect(lines).toContain(
        `${release.releaseId} completed: ${release.releaseId}-fleet IN_PROGRESS: 2/2 succeeded, 0 failed, 0 in progress, 0 queued`,
      );
      // No terminal redraws when piped.
      expect(stdout).not.toContain("\r");
      expect(release.phase).toBe("completed");
      await everyDeviceRuns("1.0.0");
    },
    TEST_TIMEOUT_MS,
  );

  it("jobs show takes a release id and shows its -canary and -fleet jobs", async () => {
    const [release] = await releases();
    const shown = await cli("jobs", "show", release?.releaseId ?? "");

    expect(shown).toContain(`${release?.releaseId}-canary`);
    expect(shown).toContain(`${release?.releaseId}-fleet`);
    expect(await cliFails("jobs", "show", "no-such-release")).toMatchObject({
      code: 1,
      stderr: expect.stringContaining("no job named no-such-release"),
    });
  });

  it("jobs watch follows a job until it settles", async () => {
    const [release] = await releases();

    const watched = await cli("jobs", "watch", release?.fleetJobId ?? "");

    expect(watched.trim().split("\n").at(-1)).toBe(
      `${release?.fleetJobId} IN_PROGRESS: 2/2 succeeded, 0 failed, 0 in progress, 0 queued`,
    );
  });

  it(
    "ota rollback re-releases the previous version to the fleet and supersedes the current one",
    async () => {
      const { release: newer } = await releaseWaited("1.1.0");
      await everyDeviceRuns("1.1.0");

      const rolledBack = ReleaseRecordSchema.parse(
        JSON.parse(await cli("ota", "rollback", "--json")),
      );

      expect(rolledBack).toMatchObject({
        app: "led",
        version: "1.0.0",
        phase: "fleet",
        canaryJobId: null,
        supersedes: newer.releaseId,
      });
      await everyDeviceRuns("1.0.0");
      const after = await releases();
      expect(after.find((r) => r.releaseId === newer.releaseId)).toMatchObject({
        phase: "superseded",
        reason: `superseded by ${rolledBack.releaseId}`,
      });
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "ota cancel cancels the queued executions of a release and aborts it; a second cancel is refused",
    async () => {
      const offline = devices[1];
      if (offline === undefined) throw new Error("no device");
      await offline.stop();
      const artifact = await buildDemoApp("led", built, "1.2.0");
      const release = ReleaseRecordSchema.parse(
        JSON.parse(
          await cli(
            "ota",
            "release",
            "--artifact",
            artifact.file,
            "--target",
            offline.thingName,
            "--json",
          ),
        ),
      );

      const canceled = ReleaseRecordSchema.parse(
        JSON.parse(await cli("ota", "cancel", release.releaseId, "--json")),
      );

      expect(canceled).toMatchObject({ phase: "aborted", reason: "canceled by the operator" });
      const job = env.sandbox.jobs.describeJob(release.fleetJobId ?? "");
      expect(job.status).toBe("CANCELED");
      expect(
        env.sandbox.jobs.listJobExecutions(job.jobId).map((e) => [e.thingName, e.status]),
      ).toEqual([[offline.thingName, "CANCELED"]]);
      expect(await cliFails("ota", "cancel", release.releaseId)).toMatchObject({
        code: 1,
        stderr: expect.stringContaining(`release ${release.releaseId} is aborted`),
      });
      offline.restart();
    },
    TEST_TIMEOUT_MS,
  );
});
