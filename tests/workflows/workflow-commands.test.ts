import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { stageResourceNames } from "@fleet/core/contracts";
import { describe, expect, it } from "vitest";
import {
  fleetUsageProblem,
  type Invocation,
  invocationsIn,
  resolveFleetCommand,
} from "./run-commands.ts";
import {
  actionFiles,
  dispatchChoices,
  loadFleetProgram,
  ROOT,
  rootPackageScripts,
  stepsOf,
  workflowFiles,
} from "./workflow-files.ts";

const program = await loadFleetProgram();
const scripts = rootPackageScripts();
const WORKFLOWS = workflowFiles();

const RUN_SCRIPTS = [
  ...WORKFLOWS.flatMap((file) =>
    stepsOf(file.workflow).map(({ step }) => ({ path: file.path, run: step.run })),
  ),
  ...actionFiles().flatMap((action) =>
    action.steps.map((step) => ({ path: action.path, run: step.run })),
  ),
].filter((entry): entry is { path: string; run: string } => entry.run !== undefined);

const SST_COMMANDS = new Set(["deploy", "remove"]);

/** Why an npm/npx invocation would not run in this repo, or null when it would. */
function problemWith({ tool, args }: Invocation): string | null {
  const [first = "", second = ""] = args;
  if (tool === "npm") {
    if (first === "ci") return null;
    if (first === "test") return "test" in scripts ? null : "no test script";
    if (first === "run") return second in scripts ? null : `no npm script "${second}"`;
    return `npm ${first} is not used by the workflows`;
  }
  if (first === "sst") {
    if (!SST_COMMANDS.has(second)) return `sst ${second} is not one of ${[...SST_COMMANDS]}`;
    return args.includes("--stage") ? null : `sst ${second} without --stage`;
  }
  if (first === "fleet") return fleetUsageProblem(resolveFleetCommand(program, args.slice(1)));
  return `npx ${first} is not a bin of this repo`;
}

describe("the run-command checker", () => {
  it("accepts real commands and rejects made-up ones", () => {
    const problems = (script: string) => invocationsIn(script).map(problemWith);
    expect(problems('npm ci && npm test\nnpx fleet allowlist upload "$F" --stage "$S"')).toEqual([
      null,
      null,
      null,
    ]);
    expect(
      problems(
        [
          "npm run no-such-script",
          "npx fleet no-such-command --stage dev",
          "npx fleet ota",
          "npx fleet ota release --target g --stage dev",
          "npx fleet allowlist upload f --no-such-flag",
          "npx sst dev --stage dev",
          "npx cowsay hi",
        ].join("\n"),
      ).every((problem) => problem !== null),
    ).toBe(true);
  });
});

describe.each(RUN_SCRIPTS)("$path: run `$run`", ({ run }) => {
  it("calls only npm scripts, fleet commands and sst commands the repo has", () => {
    for (const invocation of invocationsIn(run)) {
      expect(problemWith(invocation), `${invocation.tool} ${invocation.args.join(" ")}`).toBeNull();
    }
  });
});

describe("files the workflows use", () => {
  it("exist for every local action", () => {
    const local = [...WORKFLOWS.flatMap((file) => stepsOf(file.workflow))]
      .map(({ step }) => step.uses)
      .filter((uses): uses is string => uses?.startsWith("./") ?? false);
    expect(local.length).toBeGreaterThan(0);
    for (const uses of local) expect(existsSync(join(ROOT, uses, "action.yml")), uses).toBe(true);
  });

  it("include the app sources release-app builds from (apps/<name>/app.json)", () => {
    const apps = readdirSync(join(ROOT, "apps"), { withFileTypes: true }).filter(
      (entry) => entry.isDirectory() && existsSync(join(ROOT, "apps", entry.name, "app.json")),
    );
    expect(apps.length).toBeGreaterThan(0);
    expect(scripts["build:apps"]).toBeDefined();
  });
});

describe("release-app.yml", () => {
  const release = WORKFLOWS.find((file) => file.path.endsWith("/release-app.yml"));
  const steps = stepsOf(release?.workflow ?? { on: {}, jobs: {} }).map(({ step }) => step);
  const otaRelease = steps
    .flatMap((step) => invocationsIn(step.run ?? ""))
    .find(({ args }) => args[0] === "fleet" && args[1] === "ota");

  it.each(dispatchChoices(release?.workflow ?? { on: {}, jobs: {} }, "stage"))(
    "targets the %s stage's fleet group with its canary group first",
    (stage) => {
      expect(otaRelease).toBeDefined();
      const resolved = resolveFleetCommand(program, otaRelease?.args.slice(1) ?? []);
      const values = (flag: string) =>
        (resolved.values.get(flag) ?? []).map((value) => value.replaceAll("$STAGE", stage));
      const names = stageResourceNames(stage);
      expect(resolved.path).toEqual(["ota", "release"]);
      expect(values("--target")).toEqual([names.thingGroupName]);
      expect(values("--canary")).toEqual([names.canaryThingGroupName]);
      expect(values("--stage")).toEqual([stage]);
    },
  );

  it("builds the apps before it releases", () => {
    const runs = steps.map((step) => step.run ?? "");
    const build = runs.findIndex((run) => run.includes("npm run build:apps"));
    const ota = runs.findIndex((run) => run.includes("npx fleet ota release"));
    expect(build).toBeGreaterThanOrEqual(0);
    expect(ota).toBeGreaterThan(build);
  });
});

describe("deploy.yml", () => {
  const deploy = WORKFLOWS.find((file) => file.path.endsWith("/deploy.yml"));

  it("forwards every FLEET_* setting the stacks read at deploy time", () => {
    const read = new Set<string>();
    const sources = [
      "sst.config.ts",
      ...readdirSync(join(ROOT, "stacks"))
        .filter((name) => name.endsWith(".ts"))
        .map((name) => `stacks/${name}`),
    ];
    for (const source of sources) {
      const text = readFileSync(join(ROOT, source), "utf8");
      for (const match of text.matchAll(/env(?:\.|\[\s*"|,\s*")(FLEET_[A-Z0-9_]+)/g)) {
        read.add(match[1] ?? "");
      }
    }
    expect(read.size).toBeGreaterThan(0);
    const forwarded = Object.keys(deploy?.workflow.jobs.deploy?.env ?? {});
    expect(forwarded).toEqual(expect.arrayContaining([...read]));
  });

  it("deploys main to dev and v* tags to prod, after the tests pass", () => {
    const job = deploy?.workflow.jobs.deploy as { needs?: string } | undefined;
    expect(deploy?.workflow.on.push).toEqual({ branches: ["main"], tags: ["v*"] });
    expect(job?.needs).toBe("test");
    expect(deploy?.workflow.jobs.deploy?.environment).toBe(
      "${{ github.ref_type == 'tag' && 'prod' || 'dev' }}",
    );
  });
});

describe("os-image.yml", () => {
  const osImage = WORKFLOWS.find((file) => file.path.endsWith("/os-image.yml"));
  const steps = stepsOf(osImage?.workflow ?? { on: {}, jobs: {} }).map(({ step }) => step);

  it("publishes the directory fleet image build writes the image to", () => {
    const build = steps
      .flatMap((step) => invocationsIn(step.run ?? ""))
      .find(({ args }) => args[0] === "fleet" && args[1] === "image");
    expect(build).toBeDefined();
    const resolved = resolveFleetCommand(program, build?.args.slice(1) ?? []);
    const outputDir =
      resolved.values.get("--output-dir")?.[0] ??
      resolved.command.options.find((option) => option.long === "--output-dir")?.defaultValue;
    const upload = steps.find((step) => step.uses?.startsWith("actions/upload-artifact"));
    expect(String(upload?.with?.path).replace(/\/$/, "")).toBe(outputDir);
  });
});
