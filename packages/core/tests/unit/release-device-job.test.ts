import { describe, expect, it } from "vitest";
import type { OsUpdateStep } from "../../src/contracts/job-document.ts";
import { createReleaseDeviceJob } from "../../src/use-cases/release-device-job.ts";
import { InMemoryOtaJobs, InMemoryReleaseStore } from "./fakes/index.ts";

describe("createReleaseDeviceJob: os-update, reboot and configure rolled out as releases", () => {
  const setup = () => {
    const jobs = new InMemoryOtaJobs({ groups: ["canary", "fleet"], things: [] });
    const releases = new InMemoryReleaseStore();
    let seconds = 1_795_000_000;
    const clock = () => {
      seconds += 60;
      return new Date(seconds * 1000);
    };
    return { jobs, releases, release: createReleaseDeviceJob({ jobs, releases, clock }) };
  };

  it("releases an OS update as app os at its version, canary first, the document inline", async () => {
    const { jobs, release } = setup();
    const step: OsUpdateStep = {
      operation: "os-update",
      version: "2.0.0",
      commands: ["apt-get -y upgrade"],
    };

    const record = await release({ step, targets: ["fleet"], canaryGroup: "canary" });

    expect(record).toMatchObject({
      app: "os",
      version: "2.0.0",
      phase: "canary",
      artifactKey: "inline:os-update",
    });
    expect(jobs.created[0]).toMatchObject({
      jobId: record.canaryJobId,
      targets: [{ kind: "group", name: "canary" }],
      document: { version: "1", steps: [step] },
    });
  });

  it("makes a configuration's fleet job continuous and supersedes the previous one", async () => {
    const { jobs, releases, release } = setup();
    const first = await release({
      step: { operation: "configure", settings: { telemetryIntervalMs: 10_000 } },
      targets: ["fleet"],
    });
    const second = await release({
      step: { operation: "configure", settings: { telemetryIntervalMs: 30_000 } },
      targets: ["fleet"],
    });

    expect(jobs.created.map((job) => job.continuous)).toEqual([true, true]);
    expect(second).toMatchObject({ app: "config", supersedes: first.releaseId });
    expect((await releases.get(first.releaseId))?.phase).toBe("superseded");
  });

  it("keeps a reboot a snapshot that supersedes nothing: a device joining later is not rebooted", async () => {
    const { jobs, release } = setup();
    await release({ step: { operation: "reboot" }, targets: ["fleet"] });
    const second = await release({ step: { operation: "reboot" }, targets: ["fleet"] });

    expect(jobs.created.map((job) => job.continuous)).toEqual([undefined, undefined]);
    expect(second.supersedes).toBeUndefined();
    expect(jobs.canceled).toEqual([]);
  });
});
