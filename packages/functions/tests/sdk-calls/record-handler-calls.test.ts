import { describe, expect, it } from "vitest";
import { recordHandlerCalls } from "./record-handler-calls.ts";

const AWS = { partition: "aws", region: "eu-west-1", accountId: "123456789012" };

describe("recordHandlerCalls", () => {
  it("refuses a handler without scenarios, naming the file to add", async () => {
    await expect(recordHandlerCalls("new-handler", {}, AWS)).rejects.toMatchObject({
      name: "MissingScenariosError",
      message: expect.stringContaining(
        "packages/functions/tests/sdk-calls/scenarios/new-handler.ts",
      ),
    });
  });

  it("records each scenario's calls from a cold start with the given environment", async () => {
    const recorded = await recordHandlerCalls(
      "presence-event",
      { POWERTOOLS_SERVICE_NAME: "device-presence", POWERTOOLS_METRICS_NAMESPACE: "fleet/test" },
      AWS,
    );

    expect(recorded).toEqual([{ scenario: expect.any(String), calls: [] }]);
  });
});
