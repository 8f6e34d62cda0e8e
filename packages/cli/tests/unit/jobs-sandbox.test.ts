import type { JobExecutionView } from "@fleet/core/contracts";
import { describe, expect, it } from "vitest";
import { EXECUTION_COLUMNS, formatStatusDetails } from "../../src/commands/jobs.ts";
import { main } from "../../src/main.ts";
import { renderTable } from "../../src/output/print-rows.ts";
import { captureCliOutput } from "../support/cli-output.ts";
import { JOB, JOB_DETAIL } from "../support/ota-fixtures.ts";
import { stubSandboxApi } from "../support/stub-sandbox-api.ts";

describe("fleet jobs against a sandbox", () => {
  const api = stubSandboxApi();
  const { stdout, stderr } = captureCliOutput();
  const answerJobs = () => {
    api.route = ({ url }) => {
      if (url === "/v1/jobs") return { body: [JOB] };
      if (url === `/v1/jobs/${JOB.jobId}`) return { body: JOB_DETAIL };
      return undefined;
    };
  };

  it("lists jobs with their execution counts as a table", async () => {
    answerJobs();
    expect(await main(["jobs", "--state-dir", api.stateDir])).toBe(0);
    const table = stdout.join("");
    expect(table).toMatch(/job.*status.*succeeded.*failed.*in progress.*queued.*created/);
    expect(table).toMatch(
      /led-1_0_0-1795000000-canary.*IN_PROGRESS.*3.*2.*1.*1.*2026-11-21T10:00:01\.000Z/,
    );
  });

  it("--json prints the job summaries", async () => {
    answerJobs();
    expect(await main(["jobs", "--json", "--state-dir", api.stateDir])).toBe(0);
    expect(api.requests).toEqual([{ method: "GET", url: "/v1/jobs", body: "" }]);
    expect(JSON.parse(stdout.join(""))).toEqual([JOB]);
  });

  it("show prints the job and each device's status with its details as key=value", async () => {
    answerJobs();
    expect(await main(["jobs", "show", JOB.jobId, "--state-dir", api.stateDir])).toBe(0);
    const text = stdout.join("");
    expect(text).toMatch(/status.*IN_PROGRESS/);
    expect(text).toMatch(/executions.*1 queued, 1 inProgress, 3 succeeded, 2 failed/);
    expect(text).toMatch(
      /10000000a1b2c3d4.*IN_PROGRESS.*step=1\/1 operation=app-update phase=download progress=40%.*2026-11-21T10:00:05\.000Z/,
    );
    expect(text).toMatch(
      /10000000a1b2c3d5.*FAILED.*reason="health check failed: exited 1; rolled back to 0\.9\.0"/,
    );
  });

  it("show --json prints the job detail", async () => {
    answerJobs();
    expect(await main(["jobs", "show", JOB.jobId, "--json", "--state-dir", api.stateDir])).toBe(0);
    expect(JSON.parse(stdout.join(""))).toEqual(JOB_DETAIL);
  });

  it("show of an unknown job fails naming it", async () => {
    answerJobs();
    expect(await main(["jobs", "show", "nope", "--state-dir", api.stateDir])).toBe(1);
    expect(stderr.join("")).toBe("fleet: no job named nope\n");
  });
});

describe("formatStatusDetails", () => {
  it("quotes values with spaces, quotes or equals signs and leaves the others bare", () => {
    expect(formatStatusDetails({ step: "2/3", reason: 'sha256 "x" = y' })).toBe(
      'step=2/3 reason="sha256 \\"x\\" = y"',
    );
  });
});

describe("jobs show's execution table", () => {
  it("cuts a long failure reason, and only it, to fit 100 columns on a terminal", () => {
    const thingName = "fleet-SN-0123456789";
    const lastUpdatedAt = "2026-12-06T14:05:22.123Z";
    const reason = `health check failed: ${"led app did not answer on the local bus ".repeat(4)}`;
    const execution: JobExecutionView = {
      thingName,
      status: "FAILED",
      statusDetails: { step: "2/3", phase: "health-check", reason },
      lastUpdatedAt,
    };
    const table = renderTable([execution], EXECUTION_COLUMNS, { maxWidth: 100 });
    const row = table.split("\n")[2] ?? "";
    for (const line of table.split("\n")) expect(line.length).toBeLessThanOrEqual(100);
    expect(row).toContain(thingName);
    expect(row).toContain(lastUpdatedAt);
    expect(row).toMatch(/ {2}step=2\/3 phase=health-check reason="health c[^ ]*… {2}/);
  });
});
