import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LocalJobStarter } from "../../src/adapters/local-job-starter.ts";
import { JobStore } from "../../src/jobs/job-store.ts";

describe("a rotation's job in the sandbox", () => {
  it("carries the description a stage's job has, so fleet jobs tells it from a release", async () => {
    const dir = await mkdtemp(join(tmpdir(), "fleet-rotation-job-"));
    try {
      const jobs = await JobStore.open(dir);
      const rotationId = "00000000-0000-4000-8000-000000000001";
      await new LocalJobStarter(jobs).startRotationJob("sim-0001", rotationId);
      expect(jobs.describeJob(rotationId).description).toBe("Certificate rotation of sim-0001");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
