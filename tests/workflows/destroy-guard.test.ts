import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { stepsOf, workflowFiles } from "./workflow-files.ts";

const destroy = workflowFiles().find((file) => file.path.endsWith("/destroy.yml"));
const steps = stepsOf(destroy?.workflow ?? { on: {}, jobs: {} }).map(({ step }) => step);
const guard = steps.find((step) => step.name === "Check the confirmation")?.run ?? "";

/** Runs the guard step as the runner would (bash -e), with the dispatch inputs in env. */
function guardPasses(stage: string, confirm: string, confirmProd = ""): boolean {
  const result = spawnSync("bash", ["-e", "-c", guard], {
    env: { PATH: process.env.PATH, STAGE: stage, CONFIRM: confirm, CONFIRM_PROD: confirmProd },
    encoding: "utf8",
  });
  return result.status === 0;
}

describe("destroy.yml", () => {
  it("checks the confirmation before it touches the repository or AWS", () => {
    expect(guard).not.toBe("");
    expect(steps[0]?.name).toBe("Check the confirmation");
  });

  it("removes a stage only when the confirmation repeats its name", () => {
    expect(guardPasses("dev", "dev")).toBe(true);
    expect(guardPasses("dev", "")).toBe(false);
    expect(guardPasses("dev", "prod")).toBe(false);
  });

  it("removes prod only with the second confirmation as well", () => {
    expect(guardPasses("prod", "prod")).toBe(false);
    expect(guardPasses("prod", "prod", "destroy")).toBe(false);
    expect(guardPasses("prod", "dev", "destroy prod")).toBe(false);
    expect(guardPasses("prod", "prod", "destroy prod")).toBe(true);
  });
});
