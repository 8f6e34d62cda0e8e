import type { JobDetail, ReleaseRecord } from "@fleet/core/contracts";
import type { ConsoleApi } from "./console-api.ts";
import { el, fill } from "./dom.ts";
import { clock } from "./format.ts";
import type { LiveView } from "./live.ts";

/** Releases shown, newest first: enough for a session, few enough to describe every poll. */
const SHOWN = 5;

const STAGES = ["canary", "fleet"] as const;
type Stage = (typeof STAGES)[number];

/**
 * Releases: each one's phase along canary → fleet, why it aborted or failed, and every device's
 * execution of the stage's job (status and the app's reported step).
 */
export function releasesView(root: HTMLElement, api: ConsoleApi): LiveView {
  const list = el("div", { class: "releases" });
  root.append(list);
  return {
    async refresh() {
      const releases = (await api.listReleases()).slice(0, SHOWN);
      const cards = await Promise.all(
        releases.map(async (release) => card(release, await stageJobs(api, release))),
      );
      fill(list, ...(cards.length > 0 ? cards : [el("p", { class: "note" }, "no release yet")]));
    },
  };
}

async function stageJobs(
  api: ConsoleApi,
  release: ReleaseRecord,
): Promise<Partial<Record<Stage, JobDetail>>> {
  const [canary, fleet] = await Promise.all(
    [release.canaryJobId, release.fleetJobId].map((jobId) =>
      jobId === null ? null : api.describeJob(jobId),
    ),
  );
  return { ...(canary ? { canary } : {}), ...(fleet ? { fleet } : {}) };
}

function card(release: ReleaseRecord, jobs: Partial<Record<Stage, JobDetail>>): HTMLElement {
  return el(
    "article",
    { class: "release", "data-release": release.releaseId, "data-phase": release.phase },
    el(
      "h3",
      {},
      `${release.app} ${release.version} `,
      el("span", { class: `phase ${release.phase}` }, release.phase),
    ),
    el(
      "ol",
      { class: "steps" },
      ...STAGES.map((stage) => el("li", { class: stageClass(release, stage) }, stage)),
    ),
    release.reason ? el("p", { class: "reason" }, release.reason) : null,
    el(
      "table",
      { class: "executions" },
      el("tbody", {}, ...STAGES.flatMap((stage) => executionRows(stage, jobs[stage]))),
    ),
    el("p", { class: "note" }, `${release.releaseId}, updated ${clock(release.updatedAt)}`),
  );
}

function stageClass(release: ReleaseRecord, stage: Stage): string {
  if (stage === "canary" && release.canaryGroup === null) return "skipped";
  if (release.phase === stage) return "current";
  if (release.phase === "completed" || (stage === "canary" && release.phase === "fleet")) {
    return "done";
  }
  if (release.phase === "aborted" || release.phase === "failed") {
    return (stage === "canary" ? release.canaryJobId : release.fleetJobId) ? "bad" : "todo";
  }
  return "todo";
}

function executionRows(stage: Stage, job: JobDetail | undefined): HTMLTableRowElement[] {
  const executions = [...(job?.executions ?? [])];
  executions.sort((a, b) => a.thingName.localeCompare(b.thingName));
  return executions.map((execution) =>
    el(
      "tr",
      { "data-stage": stage, "data-thing": execution.thingName, "data-status": execution.status },
      el("td", {}, stage),
      el("th", { scope: "row" }, execution.thingName),
      el("td", { class: `status ${execution.status.toLowerCase()}` }, execution.status),
      el("td", { class: "note" }, details(execution.statusDetails)),
    ),
  );
}

function details(statusDetails: Readonly<Record<string, string>>): string {
  return Object.entries(statusDetails)
    .map(([key, value]) => `${key}: ${value}`)
    .join(", ");
}
