import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jobTemplateId } from "../../stacks/job-template.ts";
import {
  MOCK_ACCOUNT_ID,
  MOCK_REGION,
  PLATFORM_BUILD_TIMEOUT_MS,
  type RegisteredResource,
  runStack,
  type StackRun,
  stopStackHarness,
} from "./harness/index.ts";

const PROPERTIES = {
  Description: "Rotation",
  Document: '{"version":"1"}',
  TimeoutConfig: { InProgressTimeoutInMinutes: 60 },
};
const iotArn = (resource: string) => `arn:aws:iot:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:${resource}`;

describe("replacement-safe job template", () => {
  let stack: StackRun<{ ids: string[]; arns: string[] }>;
  const state = (name: string) =>
    JSON.parse(
      (
        stack
          .ofType("aws:cloudcontrol/resource:Resource")
          .find((resource) => resource.name === name) as RegisteredResource
      ).inputs.desiredState,
    );

  beforeAll(async () => {
    // The harness hands the program's outputs back resolved.
    stack = (await runStack(
      async () => {
        const { jobTemplate } = await import("../../stacks/job-template.ts");
        const arn = (id: string) =>
          $interpolate`arn:aws:iot:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:jobtemplate/${id}`;
        const templates = [
          jobTemplate("Current", { baseId: "fleet-dev-rotate", properties: PROPERTIES, arn }),
          // A timeout changed: every property is create-only, so this is a new template.
          jobTemplate("Changed", {
            baseId: "fleet-dev-rotate",
            properties: { ...PROPERTIES, TimeoutConfig: { InProgressTimeoutInMinutes: 90 } },
            arn,
          }),
        ];
        return {
          ids: templates.map((template) => template.id),
          arns: templates.map((template) => template.arn),
        };
      },
      { stage: "dev" },
    )) as unknown as typeof stack;
  }, PLATFORM_BUILD_TIMEOUT_MS);
  afterAll(stopStackHarness);

  it("creates an AWS::IoT::JobTemplate named by its base id and a hash of its properties", () => {
    expect(
      stack.ofType("aws:cloudcontrol/resource:Resource").map((r) => r.inputs.typeName),
    ).toEqual(["AWS::IoT::JobTemplate", "AWS::IoT::JobTemplate"]);
    expect(state("Current")).toEqual({
      JobTemplateId: jobTemplateId("fleet-dev-rotate", PROPERTIES),
      ...PROPERTIES,
    });
    expect(state("Current").JobTemplateId).toMatch(/^fleet-dev-rotate-[0-9a-f]{8}$/);
  });

  it("gives a template with a changed property a new id, so its replacement never collides", () => {
    const [current, changed] = stack.outputs.ids;

    expect(changed).not.toBe(current);
    expect(state("Changed").JobTemplateId).toBe(changed);
  });

  it("hands out the id and ARN it created the template under", () => {
    const [current] = stack.outputs.ids;

    expect(current).toBe(state("Current").JobTemplateId);
    expect(stack.outputs.arns[0]).toBe(iotArn(`jobtemplate/${current}`));
  });

  it("keeps the id of the same content, whatever the order of its keys", () => {
    const reordered = {
      TimeoutConfig: { InProgressTimeoutInMinutes: 60 },
      Document: '{"version":"1"}',
      Description: "Rotation",
    };

    expect(jobTemplateId("fleet-dev-rotate", reordered)).toBe(
      jobTemplateId("fleet-dev-rotate", PROPERTIES),
    );
    expect(jobTemplateId("fleet-dev-rotate", PROPERTIES)).toBe(stack.outputs.ids[0]);
  });
});
