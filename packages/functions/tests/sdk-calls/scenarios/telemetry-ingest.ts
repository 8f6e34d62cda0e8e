import { GetSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { vi } from "vitest";
import { fixture, context as lambdaContext } from "../../unit/lambda-test-kit.ts";
import type { HandlerScenario } from "../handler-scenario.ts";

// The fixture: 4 records of the telemetry stream, two valid messages and two the contract
// refuses (dead-lettered).
export const scenarios: HandlerScenario[] = [
  {
    name: "writes the valid messages to the stage's store and dead-letters the others",
    async run({ sdk, env, load }) {
      sdk.on(GetSecretValueCommand).resolves({ SecretString: "influxdb-token" });
      // Timestream for InfluxDB is reached over HTTP, not through an AWS SDK client.
      if (env.TELEMETRY_STORE === "influxdb") {
        vi.stubGlobal("fetch", async () => new Response(null, { status: 204 }));
      }
      await (await load())(fixture("kinesis-telemetry"), lambdaContext);
    },
  },
];
