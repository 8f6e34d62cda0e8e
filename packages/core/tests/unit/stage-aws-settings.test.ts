import { describe, expect, it } from "vitest";
import { DEFAULT_AWS_REGION, stageAwsSettings } from "../../src/contracts/index.ts";

describe("stageAwsSettings", () => {
  it("puts a stage in eu-west-1 with the profile of its own account by default", () => {
    expect(DEFAULT_AWS_REGION).toBe("eu-west-1");
    expect(stageAwsSettings("dev", {})).toEqual({ region: "eu-west-1", profile: "fleet-dev" });
  });

  it("takes the region from AWS_REGION and the profile from AWS_PROFILE", () => {
    expect(stageAwsSettings("prod", { AWS_REGION: "us-east-2", AWS_PROFILE: "ops-admin" })).toEqual(
      { region: "us-east-2", profile: "ops-admin" },
    );
  });

  it("names no profile when credentials come from the environment", () => {
    expect(
      stageAwsSettings("prod", { AWS_ACCESS_KEY_ID: "AKIAEXAMPLE", AWS_PROFILE: "ops-admin" }),
    ).toEqual({ region: "eu-west-1" });
  });

  it("refuses a stage name AWS resource names could not carry, whatever the credentials", () => {
    expect(() => stageAwsSettings("Prod_1", { AWS_ACCESS_KEY_ID: "AKIAEXAMPLE" })).toThrow(
      expect.objectContaining({ name: "InvalidStageNameError" }),
    );
  });
});
