import { describe, expect, it } from "vitest";
import {
  actionFiles,
  dispatchChoices,
  loadWorkflowParser,
  stepsOf,
  type WorkflowFile,
  workflowFiles,
} from "./workflow-files.ts";

const { convertWorkflowTemplate, NoOperationTraceWriter, parseAction, parseWorkflow } =
  await loadWorkflowParser();

/** Schema and expression errors GitHub would report for a workflow, as `file (line, col): why`. */
async function workflowErrors(path: string, content: string): Promise<string[]> {
  const result = parseWorkflow({ name: path, content }, new NoOperationTraceWriter());
  if (result.value !== undefined) await convertWorkflowTemplate(result.context, result.value);
  return result.context.errors.getErrors().map((error) => error.message);
}

const WORKFLOWS = workflowFiles();
const AWS_CREDENTIALS = "aws-actions/configure-aws-credentials";
const usesAws = (file: WorkflowFile) =>
  stepsOf(file.workflow).some(({ step }) => step.uses?.startsWith(AWS_CREDENTIALS));

describe("the workflow linter", () => {
  it("reports an unknown key, a bad permission and an unknown context", async () => {
    const errors = await workflowErrors(
      "broken.yml",
      [
        "on: push",
        "permissions:",
        "  id-token: writ",
        "jobs:",
        "  a:",
        "    runs-on: ubuntu-24.04",
        "    timeout-minute: 5",
        "    steps:",
        "      - run: echo ${{ secret.X }}",
      ].join("\n"),
    );
    expect(errors).toHaveLength(3);
    expect(errors.join("\n")).toMatch(/writ/);
    expect(errors.join("\n")).toMatch(/timeout-minute/);
    expect(errors.join("\n")).toMatch(/secret/);
  });
});

describe("the repository ships the delivery workflows", () => {
  it.each(["ci", "deploy", "provisioning", "os-image", "release-app", "destroy"])(
    "%s.yml",
    (name) => {
      expect(WORKFLOWS.map((file) => file.path)).toContain(`.github/workflows/${name}.yml`);
    },
  );
});

describe.each(WORKFLOWS)("$path", (file) => {
  const { workflow } = file;
  const jobs = Object.entries(workflow.jobs);

  it("passes GitHub's workflow parser with no errors", async () => {
    expect(await workflowErrors(file.path, file.text)).toEqual([]);
  });

  it("gives every job a timeout", () => {
    for (const [id, job] of jobs) expect(job["timeout-minutes"], id).toBeGreaterThan(0);
  });

  it("pins every action to a major version or a commit", () => {
    for (const { step } of stepsOf(workflow)) {
      if (step.uses === undefined || step.uses.startsWith("./")) continue;
      expect(step.uses).toMatch(/^[\w.-]+\/[\w./-]+@(v\d+|[0-9a-f]{40})$/);
    }
  });

  it("reads only the repository by default", () => {
    expect(workflow.permissions?.contents).toBe("read");
    for (const [, job] of jobs) expect(job.permissions).toBeUndefined();
  });

  it("never puts an expression into a shell script (inputs travel through env)", () => {
    for (const { step } of stepsOf(workflow)) expect(step.run ?? "").not.toMatch(/\$\{\{/);
  });

  it("serializes runs with a concurrency group", () => {
    for (const [id, job] of jobs) {
      const group = job.concurrency?.group ?? workflow.concurrency?.group;
      expect(group, id).toMatch(/\$\{\{.+\}\}/);
    }
  });
});

describe.each(WORKFLOWS.filter(usesAws))("$path (AWS)", (file) => {
  const { workflow } = file;

  it("gets AWS access only through the stage's OIDC role", () => {
    expect(workflow.permissions?.["id-token"]).toBe("write");
    expect(file.text).not.toMatch(/aws-access-key-id|aws-secret-access-key|AWS_SECRET_ACCESS_KEY/);
    for (const { jobId, job, step } of stepsOf(workflow)) {
      if (!step.uses?.startsWith(AWS_CREDENTIALS)) continue;
      expect(step.with?.["role-to-assume"]).toBe("${{ vars.AWS_ROLE_ARN }}");
      expect(step.with?.["aws-region"]).toBe("${{ vars.AWS_REGION }}");
      // The role variable is per GitHub environment, and so is the trust policy's subject.
      expect(job.environment, jobId).toBeDefined();
    }
  });
});

const DISPATCHED_PER_STAGE = WORKFLOWS.filter(
  (file) => file.workflow.on.workflow_dispatch?.inputs?.stage !== undefined,
);

describe.each(DISPATCHED_PER_STAGE)("$path (manual, per stage)", ({ workflow }) => {
  it("offers only the stages that have an environment, and groups runs per stage", () => {
    expect(dispatchChoices(workflow, "stage")).toEqual(["dev", "prod"]);
    for (const [id, job] of Object.entries(workflow.jobs)) {
      expect(job.environment, id).toBe("${{ inputs.stage }}");
      const group = job.concurrency?.group ?? workflow.concurrency?.group;
      expect(group, id).toContain("${{ inputs.stage }}");
    }
  });
});

describe("composite actions", () => {
  it.each(actionFiles())("$path passes GitHub's action parser with no errors", (action) => {
    const result = parseAction(
      { name: action.path, content: action.text },
      new NoOperationTraceWriter(),
    );
    expect(result.context.errors.getErrors().map((error) => error.message)).toEqual([]);
  });
});

describe("ci.yml", () => {
  const ci = WORKFLOWS.find((file) => file.path.endsWith("/ci.yml"));

  it("tests every push and pull request without AWS access", () => {
    expect(Object.keys(ci?.workflow.on ?? {}).sort()).toEqual(["pull_request", "push"]);
    expect(ci?.workflow.on.push).toBeNull();
    expect(ci?.workflow.permissions).toEqual({ contents: "read" });
  });
});
