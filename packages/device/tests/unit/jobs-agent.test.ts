import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ConfigureStep, checkJobDocument } from "@fleet/core/contracts";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { jobProgressFile } from "../../src/jobs/job-progress.ts";
import type { StepHandler } from "../../src/jobs/step-handler.ts";
import { createOsUpdateStep } from "../../src/jobs/steps/os-update-step.ts";
import { createRebootStep } from "../../src/jobs/steps/reboot-step.ts";
import { createFakeJobs } from "../support/fake-jobs.ts";
import { flushPromises } from "../support/fake-time.ts";

const THING = "sim-0001";

const configure = (telemetryIntervalMs: number) => ({
  operation: "configure",
  settings: { telemetryIntervalMs },
});
const document = (...steps: unknown[]) => ({ version: "1", steps });

describe("jobs agent", () => {
  let stateDir: string;
  const running: { stop(): Promise<void> }[] = [];
  beforeEach(async () => {
    stateDir = await mkdtemp(join(tmpdir(), "fleet-jobs-"));
  });
  afterEach(async () => {
    for (const device of running.splice(0)) await device.stop();
    await rm(stateDir, { recursive: true, force: true });
  });

  function setUp() {
    const jobs = createFakeJobs(THING);
    const boot = (handlers: Parameters<typeof jobs.boot>[0]) => {
      const device = jobs.boot(handlers, stateDir);
      running.push(device);
      return device;
    };
    return { jobs, boot };
  }

  /** A configure handler that records the interval of each step it ran. */
  function recordingConfigure(seen: number[]): StepHandler<ConfigureStep> {
    return async ({ step, report }) => {
      await report("apply", { intervalMs: String(step.settings.telemetryIntervalMs) });
      seen.push(step.settings.telemetryIntervalMs ?? 0);
      return { status: "succeeded" };
    };
  }

  it("subscribes to notify-next, the start-next replies and every job's update replies, then asks for the next job", async () => {
    const { jobs, boot } = setUp();
    const { sessions } = boot({});
    await vi.waitFor(() =>
      expect(sessions.latest().published.map((p) => p.topic)).toEqual([jobs.topics.startNext]),
    );
    expect(sessions.latest().subscribed).toEqual([
      jobs.topics.notifyNext,
      jobs.topics.startNextAccepted,
      jobs.topics.startNextRejected,
      `$aws/things/${THING}/jobs/+/update/+`,
    ]);
  });

  it("keeps the same four subscriptions however many jobs it runs", async () => {
    const { jobs, boot } = setUp();
    const ids = Array.from({ length: 30 }, (_, i) => `cfg-many-${i}`);
    for (const id of ids) jobs.add(id, document(configure(5_000)));
    const { sessions } = boot({ configure: recordingConfigure([]) });
    await vi.waitFor(() =>
      expect(ids.map((id) => jobs.status(id))).toEqual(ids.map(() => "SUCCEEDED")),
    );
    // 30 jobs, two updates each: no filter per job, no SUBSCRIBE per update.
    expect(sessions.sessions).toHaveLength(1);
    expect(sessions.latest().subscribed).toHaveLength(4);
  });

  it("rejects an invalid document with the reason the document check gives", async () => {
    const { jobs, boot } = setUp();
    const invalid = document({ operation: "app-update", app: "led" });
    jobs.add("ota-1", invalid);
    boot({ "app-update": async () => ({ status: "succeeded" }) });
    await vi.waitFor(() => expect(jobs.status("ota-1")).toBe("REJECTED"));
    const check = checkJobDocument(invalid);
    expect(check.ok).toBe(false);
    expect(jobs.updates).toEqual([
      { jobId: "ota-1", status: "REJECTED", statusDetails: { reason: !check.ok && check.reason } },
    ]);
  });

  it("rejects a document with an unknown operation, naming it", async () => {
    const { jobs, boot } = setUp();
    jobs.add("ota-2", document({ operation: "install-firmware" }));
    boot({});
    await vi.waitFor(() => expect(jobs.status("ota-2")).toBe("REJECTED"));
    expect(jobs.updates[0]?.statusDetails.reason).toMatch(
      /steps\[0\]\.operation.*install-firmware/,
    );
  });

  it("rejects a document with an operation this device has no handler for", async () => {
    const { jobs, boot } = setUp();
    jobs.add("ota-3", document(configure(5_000), { operation: "reboot" }));
    const seen: number[] = [];
    boot({ configure: recordingConfigure(seen) });
    await vi.waitFor(() => expect(jobs.status("ota-3")).toBe("REJECTED"));
    expect(jobs.updates[0]?.statusDetails).toEqual({
      reason: "steps[1].operation: reboot is not supported by this device",
    });
    expect(seen).toEqual([]);
  });

  it("runs the steps in order, reporting each one's position, operation and phase", async () => {
    const { jobs, boot } = setUp();
    jobs.add("cfg-1", document(configure(5_000), configure(7_000)));
    const seen: number[] = [];
    boot({ configure: recordingConfigure(seen) });
    await vi.waitFor(() => expect(jobs.status("cfg-1")).toBe("SUCCEEDED"));
    expect(seen).toEqual([5_000, 7_000]);
    expect(jobs.updates.map((u) => [u.status, u.statusDetails])).toEqual([
      ["IN_PROGRESS", { step: "1/2", operation: "configure", phase: "apply", intervalMs: "5000" }],
      ["IN_PROGRESS", { step: "2/2", operation: "configure", phase: "apply", intervalMs: "7000" }],
      ["SUCCEEDED", { step: "2/2", operation: "configure" }],
    ]);
  });

  it("stops at the first failed step and reports FAILED with its reason", async () => {
    const { jobs, boot } = setUp();
    jobs.add("cfg-2", document(configure(5_000), configure(7_000)));
    const seen: number[] = [];
    const failing: StepHandler<ConfigureStep> = async (context) => {
      if (context.index === 0) return { status: "failed", reason: "led: no LED app answered" };
      return recordingConfigure(seen)(context);
    };
    boot({ configure: failing });
    await vi.waitFor(() => expect(jobs.status("cfg-2")).toBe("FAILED"));
    expect(jobs.updates.at(-1)?.statusDetails).toEqual({
      step: "1/2",
      operation: "configure",
      reason: "led: no LED app answered",
    });
    expect(seen).toEqual([]);
  });

  it("takes the next job once the current one ended, one at a time", async () => {
    const { jobs, boot } = setUp();
    jobs.add("cfg-3", document(configure(5_000)));
    jobs.add("cfg-4", document(configure(6_000)));
    const seen: number[] = [];
    boot({ configure: recordingConfigure(seen) });
    await vi.waitFor(() => expect(jobs.status("cfg-4")).toBe("SUCCEEDED"));
    expect(seen).toEqual([5_000, 6_000]);
    expect(jobs.updates.map((u) => `${u.jobId}:${u.status}`)).toEqual([
      "cfg-3:IN_PROGRESS",
      "cfg-3:SUCCEEDED",
      "cfg-4:IN_PROGRESS",
      "cfg-4:SUCCEEDED",
    ]);
  });

  it("leaves a job interrupted by a lost connection IN_PROGRESS and runs it again after the next connect", async () => {
    const { jobs, boot } = setUp();
    jobs.add("cfg-5", document(configure(5_000)));
    let calls = 0;
    const flaky: StepHandler<ConfigureStep> = async () => {
      calls += 1;
      if (calls === 1) throw new Error("connection lost");
      return { status: "succeeded" };
    };
    const { sessions, time } = boot({ configure: flaky });
    await vi.waitFor(() => expect(calls).toBe(1));
    await flushPromises();
    expect(jobs.updates).toEqual([]);

    sessions.latest().end({ reason: "keepalive timeout" });
    await time.advance(1_000);
    await vi.waitFor(() => expect(jobs.status("cfg-5")).toBe("SUCCEEDED"));
    expect(calls).toBe(2);
  });

  it("goes on to the next job when the running one is canceled, without a reconnect", async () => {
    const { jobs, boot } = setUp();
    jobs.add("cfg-6", document(configure(5_000)));
    jobs.add("cfg-7", document(configure(6_000)));
    let release: () => void = () => {};
    const seen: number[] = [];
    const record = recordingConfigure(seen);
    const slowFirst: StepHandler<ConfigureStep> = async (input) => {
      if (input.jobId === "cfg-6") {
        await new Promise<void>((resolve) => {
          release = resolve;
        });
      }
      return record(input);
    };
    const { sessions } = boot({ configure: slowFirst });
    await vi.waitFor(() => expect(jobs.status("cfg-6")).toBe("IN_PROGRESS"));
    jobs.cancel("cfg-6");
    release();

    await vi.waitFor(() => expect(jobs.status("cfg-7")).toBe("SUCCEEDED"));
    expect(jobs.status("cfg-6")).toBe("CANCELED");
    expect(seen).toEqual([6_000]);
    expect(sessions.sessions).toHaveLength(1);
  });

  it("resumes a job after a reboot at the step it persisted, and finishes it", async () => {
    const { jobs, boot } = setUp();
    jobs.add("maint-1", document(configure(5_000), { operation: "reboot" }, configure(9_000)));
    const seen: number[] = [];
    let reboots = 0;
    const handlers = {
      configure: recordingConfigure(seen),
      reboot: createRebootStep(async () => {
        reboots += 1;
      }),
    };
    const before = boot(handlers);
    await vi.waitFor(() => expect(reboots).toBe(1));
    await flushPromises();
    expect(jobs.status("maint-1")).toBe("IN_PROGRESS");
    expect(jobs.updates.at(-1)?.statusDetails).toEqual({
      step: "2/3",
      operation: "reboot",
      phase: "rebooting",
    });
    expect((await stat(jobProgressFile(stateDir))).mode & 0o777).toBe(0o600);
    await before.stop();

    boot(handlers);
    await vi.waitFor(() => expect(jobs.status("maint-1")).toBe("SUCCEEDED"));
    expect(reboots).toBe(1);
    expect(seen).toEqual([5_000, 9_000]);
    expect(jobs.updates.at(-1)?.statusDetails).toEqual({ step: "3/3", operation: "configure" });
  });

  describe("os-update", () => {
    const osUpdate = (version: string, log: string) => ({
      operation: "os-update",
      version,
      commands: [`echo ${version} >> ${log}`, "echo done"],
    });

    it("runs the commands once per version, then reboots and succeeds after the restart", async () => {
      const { jobs, boot } = setUp();
      const log = join(stateDir, "commands.log");
      let reboots = 0;
      const handlers = {
        "os-update": createOsUpdateStep({
          stateDir,
          reboot: async () => {
            reboots += 1;
          },
        }),
      };
      jobs.add("os-1", document(osUpdate("2.0.0", log)));
      let device = boot(handlers);
      await vi.waitFor(() => expect(reboots).toBe(1));
      expect(jobs.status("os-1")).toBe("IN_PROGRESS");
      await device.stop();
      device = boot(handlers);
      await vi.waitFor(() => expect(jobs.status("os-1")).toBe("SUCCEEDED"));
      expect(await readFile(log, "utf8")).toBe("2.0.0\n");
      await stat(join(stateDir, "os", "2.0.0.done"));

      // The same version again: the commands are skipped, the reboot is not.
      jobs.add("os-2", document(osUpdate("2.0.0", log)));
      await device.stop();
      device = boot(handlers);
      await vi.waitFor(() => expect(reboots).toBe(2));
      await device.stop();
      boot(handlers);
      await vi.waitFor(() => expect(jobs.status("os-2")).toBe("SUCCEEDED"));
      expect(await readFile(log, "utf8")).toBe("2.0.0\n");
      expect(
        jobs.updates.filter((u) => u.jobId === "os-2").map((u) => u.statusDetails.phase),
      ).toEqual(["skipped", "rebooting", undefined]);
    });

    it("fails with the command's exit status and output tail, without marking the version", async () => {
      const { jobs, boot } = setUp();
      let reboots = 0;
      jobs.add("os-3", {
        version: "1",
        steps: [
          {
            operation: "os-update",
            version: "2.1.0",
            commands: ["echo unpacking; echo 'disk full' >&2; exit 3", "echo never"],
          },
        ],
      });
      boot({
        "os-update": createOsUpdateStep({
          stateDir,
          reboot: async () => {
            reboots += 1;
          },
        }),
      });
      await vi.waitFor(() => expect(jobs.status("os-3")).toBe("FAILED"));
      expect(jobs.updates.at(-1)?.statusDetails.reason).toBe(
        "command 1/2 exited with 3: unpacking | disk full",
      );
      expect(reboots).toBe(0);
      await expect(stat(join(stateDir, "os", "2.1.0.done"))).rejects.toThrow(/ENOENT/);
    });

    it("reports an os-update failing with multi-line output FAILED once and runs nothing again after a reconnect and a restart", async () => {
      const { jobs, boot } = setUp();
      const log = join(stateDir, "commands.log");
      const failing = (version: string) => ({
        version: "1",
        steps: [
          {
            operation: "os-update",
            version,
            commands: [
              `echo ${version} >> ${log}; printf 'E: dpkg\\tbroken\\r\\nE: \\033[31mhalt\\n' >&2; exit 100`,
            ],
          },
        ],
      });
      const handlers = { "os-update": createOsUpdateStep({ stateDir, reboot: async () => {} }) };
      jobs.add("os-5", failing("4.0.0"));
      let device = boot(handlers);
      await vi.waitFor(() => expect(jobs.status("os-5")).toBe("FAILED"));
      expect(jobs.refused).toEqual([]);
      expect(jobs.updates.filter((u) => u.status === "FAILED")).toEqual([
        {
          jobId: "os-5",
          status: "FAILED",
          statusDetails: {
            step: "1/1",
            operation: "os-update",
            reason: "command 1/1 exited with 100: E: dpkg broken | E:  [31mhalt",
          },
        },
      ]);

      device.sessions.latest().end({ reason: "keepalive timeout" });
      await device.time.advance(1_000);
      await device.stop();
      jobs.add("os-6", failing("4.0.1"));
      device = boot(handlers);
      await vi.waitFor(() => expect(jobs.status("os-6")).toBe("FAILED"));
      expect(await readFile(log, "utf8")).toBe("4.0.0\n4.0.1\n");
      expect(jobs.updates.filter((u) => u.jobId === "os-5" && u.status === "FAILED")).toHaveLength(
        1,
      );
      expect(jobs.refused).toEqual([]);
    });

    it("sends an outcome an older device saved with raw command output, cleaned, without running the commands", async () => {
      const { jobs, boot } = setUp();
      const log = join(stateDir, "commands.log");
      jobs.add("os-7", document(osUpdate("5.0.0", log)));
      await mkdir(join(stateDir, "jobs"));
      const reason = "command 1/2 exited with 1: line one\nline two";
      await writeFile(
        jobProgressFile(stateDir),
        JSON.stringify({
          jobId: "os-7",
          stepIndex: 1,
          stepState: null,
          outcome: { status: "FAILED", statusDetails: { step: "1/1", reason } },
        }),
      );
      boot({ "os-update": createOsUpdateStep({ stateDir, reboot: async () => {} }) });
      await vi.waitFor(() => expect(jobs.status("os-7")).toBe("FAILED"));
      expect(jobs.updates.at(-1)?.statusDetails).toEqual({
        step: "1/1",
        reason: "command 1/2 exited with 1: line one | line two",
      });
      await expect(stat(log)).rejects.toThrow(/ENOENT/);
    });

    it("fails cleanly instead of running the commands twice when a restart cut them short", async () => {
      const { jobs, boot } = setUp();
      jobs.add("os-4", document(osUpdate("3.0.0", join(stateDir, "commands.log"))));
      // The device died while the commands ran.
      await mkdir(join(stateDir, "jobs"));
      await writeFile(
        jobProgressFile(stateDir),
        JSON.stringify({ jobId: "os-4", stepIndex: 0, stepState: "running" }),
      );
      boot({ "os-update": createOsUpdateStep({ stateDir, reboot: async () => {} }) });
      await vi.waitFor(() => expect(jobs.status("os-4")).toBe("FAILED"));
      expect(jobs.updates.at(-1)?.statusDetails.reason).toMatch(
        /interrupted while its commands ran/,
      );
      await expect(stat(join(stateDir, "commands.log"))).rejects.toThrow(/ENOENT/);
    });
  });
});
