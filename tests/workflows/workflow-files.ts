import { readdirSync, readFileSync } from "node:fs";
import { registerHooks } from "node:module";
import { join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Command } from "commander";
import { parse } from "yaml";

/** The GitHub Actions files of the repo, read and parsed for the workflow tests. */

export const ROOT = resolve(import.meta.dirname, "../..");
const WORKFLOWS_DIR = join(ROOT, ".github/workflows");
const ACTIONS_DIR = join(ROOT, ".github/actions");

export interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}

export interface Job {
  "runs-on"?: string;
  "timeout-minutes"?: number;
  environment?: string;
  permissions?: Record<string, string>;
  concurrency?: { group: string; "cancel-in-progress"?: boolean };
  env?: Record<string, string>;
  steps?: Step[];
}

export interface Workflow {
  on: Record<string, { inputs?: Record<string, { type?: string; options?: string[] }> } | null>;
  permissions?: Record<string, string>;
  concurrency?: { group: string; "cancel-in-progress"?: boolean };
  jobs: Record<string, Job>;
}

export interface WorkflowFile {
  /** Path from the repo root, e.g. `.github/workflows/ci.yml`. */
  path: string;
  text: string;
  workflow: Workflow;
}

export interface ActionFile {
  path: string;
  text: string;
  steps: Step[];
}

/** Every workflow under .github/workflows. */
export function workflowFiles(): WorkflowFile[] {
  return readdirSync(WORKFLOWS_DIR)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => {
      const text = readFileSync(join(WORKFLOWS_DIR, name), "utf8");
      return { path: relative(ROOT, join(WORKFLOWS_DIR, name)), text, workflow: parse(text) };
    });
}

/** Every local composite action (`.github/actions/<name>/action.yml`). */
export function actionFiles(): ActionFile[] {
  return readdirSync(ACTIONS_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => {
      const file = join(ACTIONS_DIR, entry.name, "action.yml");
      const text = readFileSync(file, "utf8");
      const action = parse(text) as { runs: { steps?: Step[] } };
      return { path: relative(ROOT, file), text, steps: action.runs.steps ?? [] };
    });
}

/** Every step of a workflow with the job it belongs to. */
export function stepsOf(workflow: Workflow): { jobId: string; job: Job; step: Step }[] {
  return Object.entries(workflow.jobs).flatMap(([jobId, job]) =>
    (job.steps ?? []).map((step) => ({ jobId, job, step })),
  );
}

/** The choices of a workflow_dispatch input (e.g. the stages a workflow offers). */
export function dispatchChoices(workflow: Workflow, input: string): string[] {
  return workflow.on.workflow_dispatch?.inputs?.[input]?.options ?? [];
}

/**
 * GitHub's own workflow parser (the one behind the Actions language service). Its ESM build
 * imports its JSON schema without an import attribute, which only bundlers accept; Vitest
 * hands node_modules to Node, so a load hook supplies the attribute for those two files.
 */
export async function loadWorkflowParser() {
  registerHooks({
    load(url, context, nextLoad) {
      if (url.includes("/@actions/workflow-parser/") && url.endsWith(".json")) {
        return nextLoad(url, { ...context, importAttributes: { type: "json" } });
      }
      return nextLoad(url, context);
    },
  });
  const parser = await import("@actions/workflow-parser");
  const { parseAction } = await import("@actions/workflow-parser/actions/action-parser");
  return { ...parser, parseAction };
}

/**
 * The real `fleet` program, built from packages/cli at test time, so commands other work adds
 * count as soon as they are registered. Imported by path: the CLI is not a project reference
 * of the tooling tsconfig.
 */
export async function loadFleetProgram(): Promise<Command> {
  const url = pathToFileURL(join(ROOT, "packages/cli/src/program.ts")).href;
  const module = (await import(url)) as { buildProgram: () => Command };
  return module.buildProgram();
}

export function rootPackageScripts(): Record<string, string> {
  const manifest = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
    scripts: Record<string, string>;
  };
  return manifest.scripts;
}
