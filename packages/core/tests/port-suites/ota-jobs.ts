import { afterEach, describe, expect, it } from "vitest";
import type { JobDocument } from "../../src/contracts/job-document.ts";
import {
  JobNotCancelableError,
  JobNotFoundError,
} from "../../src/contracts/operator-api/operator-errors.ts";
import { ReleaseTargetNotFoundError } from "../../src/ota/ota-errors.ts";
import type { OtaJobSpec, OtaJobs } from "../../src/ports/index.ts";

/** One adapter under test plus its backing state (sandbox registry and jobs, or the AWS mock's). */
export interface OtaJobsSubject {
  jobs: OtaJobs;
  /** Creates the things, and the groups with their members, behind the adapter's back. */
  seed(state: { things: string[]; groups: Record<string, string[]> }): Promise<void>;
  close?(): Promise<void>;
}

const DOCUMENT: JobDocument = { version: "1", steps: [{ operation: "reboot" }] };

const spec = (jobId: string, overrides: Partial<OtaJobSpec> = {}): OtaJobSpec => ({
  jobId,
  targets: [{ kind: "group", name: "fleet" }],
  document: DOCUMENT,
  description: `Release ${jobId}`,
  abortFailurePct: 10,
  ...overrides,
});

/** The `OtaJobs` contract: snapshot and continuous jobs, and CancelJob's refusals, as AWS's. */
export function describeOtaJobs(name: string, makeSubject: () => Promise<OtaJobsSubject>) {
  describe(`OtaJobs contract: ${name}`, () => {
    let subject: OtaJobsSubject | undefined;
    const open = async () => {
      subject = await makeSubject();
      await subject.seed({ things: ["sim-0001"], groups: { fleet: ["sim-0001"] } });
      return subject.jobs;
    };
    afterEach(async () => {
      await subject?.close?.();
      subject = undefined;
    });

    it("creates a snapshot job by default, and a continuous one when asked", async () => {
      const jobs = await open();
      await jobs.createJob(spec("rel-1-fleet"));
      await jobs.createJob(spec("rel-2-fleet", { continuous: true }));

      expect(await jobs.describeJob("rel-1-fleet")).toMatchObject({ status: "IN_PROGRESS" });
      expect((await jobs.describeJob("rel-1-fleet"))?.targetSelection).toBeUndefined();
      expect(await jobs.describeJob("rel-2-fleet")).toMatchObject({
        status: "IN_PROGRESS",
        targetSelection: "CONTINUOUS",
      });
    });

    it("cancels a job in progress; a second cancel and an unknown job are refused, named", async () => {
      const jobs = await open();
      await jobs.createJob(spec("rel-3-fleet", { continuous: true }));

      await jobs.cancelJob("rel-3-fleet", { force: false });

      expect((await jobs.describeJob("rel-3-fleet"))?.status).toBe("CANCELED");
      await expect(jobs.cancelJob("rel-3-fleet", { force: false })).rejects.toBeInstanceOf(
        JobNotCancelableError,
      );
      await expect(jobs.cancelJob("no-such-job", { force: true })).rejects.toBeInstanceOf(
        JobNotFoundError,
      );
    });

    it("tells groups from things, and names every unknown target", async () => {
      const jobs = await open();

      expect(await jobs.resolveTargets(["fleet", "sim-0001"])).toEqual([
        { kind: "group", name: "fleet" },
        { kind: "thing", name: "sim-0001" },
      ]);
      const error = await jobs.resolveTargets(["ghost", "fleet"]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ReleaseTargetNotFoundError);
      expect((error as ReleaseTargetNotFoundError).names).toEqual(["ghost"]);
    });
  });
}
