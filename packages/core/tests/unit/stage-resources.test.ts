import { describe, expect, it } from "vitest";
import {
  FLEET_APP_NAME,
  SERIAL_ATTRIBUTE,
  stageAwsProfile,
  stageResourceNames,
} from "../../src/contracts/index.ts";
import { InvalidStageNameError } from "../../src/errors.ts";

describe("stage resource names", () => {
  it("names the thing group and device policy the stacks create for a stage", () => {
    expect(stageResourceNames("prod")).toEqual({
      thingGroupName: "fleet-prod-devices",
      devicePolicyName: "fleet-prod-device",
    });
    expect(stageResourceNames("pr-42").thingGroupName).toBe("fleet-pr-42-devices");
  });

  it("defaults each stage to its own AWS profile", () => {
    expect(stageAwsProfile("dev")).toBe("fleet-dev");
  });

  it("keeps the app name and serial attribute the stacks and device rely on", () => {
    expect(FLEET_APP_NAME).toBe("fleet");
    expect(SERIAL_ATTRIBUTE).toBe("serial");
  });

  it.each([
    ["an empty name", ""],
    ["upper case", "Prod"],
    ["a leading digit", "1dev"],
    ["a leading hyphen", "-dev"],
    ["an underscore", "my_stage"],
    ["a query character", "dev:*"],
    ["64 characters", `a${"b".repeat(63)}`],
  ])("rejects a stage name with %s, saying what is expected", (_, stage) => {
    for (const derive of [stageResourceNames, stageAwsProfile]) {
      let error: unknown;
      try {
        derive(stage);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(InvalidStageNameError);
      expect(error).toMatchObject({ stage });
      expect((error as Error).message).toMatch(/lowercase letters, digits and '-'/);
    }
  });

  it("accepts a 63-character stage name", () => {
    const stage = `a${"b".repeat(62)}`;
    expect(stageResourceNames(stage).devicePolicyName).toBe(`fleet-${stage}-device`);
  });
});
