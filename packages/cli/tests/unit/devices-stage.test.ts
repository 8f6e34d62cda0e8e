import {
  DescribeCertificateCommand,
  GetIndexingConfigurationCommand,
  IoTClient,
  ListThingPrincipalsCommand,
  SearchIndexCommand,
} from "@aws-sdk/client-iot";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { main } from "../../src/main.ts";

const CERT = "e".repeat(64);

describe("fleet devices --stage", () => {
  const iot = mockClient(IoTClient);
  const stdout: string[] = [];
  const stderr: string[] = [];

  beforeEach(() => {
    iot.reset();
    stdout.length = 0;
    stderr.length = 0;
    vi.stubEnv("AWS_ACCESS_KEY_ID", "test");
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", "test");
    vi.stubEnv("AWS_REGION", "eu-west-1");
    vi.spyOn(process.stdout, "write").mockImplementation((chunk) => stdout.push(String(chunk)) > 0);
    vi.spyOn(process.stderr, "write").mockImplementation((chunk) => stderr.push(String(chunk)) > 0);
    iot.on(GetIndexingConfigurationCommand).resolves({
      thingIndexingConfiguration: {
        thingIndexingMode: "REGISTRY",
        thingConnectivityIndexingMode: "STATUS",
      },
    });
    iot.on(SearchIndexCommand).resolves({
      things: [
        {
          thingName: "rpi-1",
          attributes: { serial: "10000000a1b2c3d4" },
          connectivity: { connected: true },
        },
      ],
    });
    iot.on(ListThingPrincipalsCommand).resolves({
      principals: [`arn:aws:iot:eu-west-1:123456789012:cert/${CERT}`],
    });
    iot.on(DescribeCertificateCommand).resolves({
      certificateDescription: {
        certificateId: CERT,
        status: "ACTIVE",
        creationDate: new Date("2026-11-01T00:00:00Z"),
        validity: {
          notBefore: new Date("2026-11-01T00:00:00Z"),
          notAfter: new Date("2027-11-01T00:00:00Z"),
        },
      },
    });
  });

  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it("lists the stage's thing group from its AWS account as JSON", async () => {
    expect(await main(["devices", "--stage", "dev", "--json"])).toBe(0);
    expect(JSON.parse(stdout.join(""))).toEqual([
      {
        serial: "10000000a1b2c3d4",
        thingName: "rpi-1",
        state: "provisioned",
        connected: true,
        certificateId: CERT,
        notAfter: "2027-11-01T00:00:00.000Z",
        reason: null,
      },
    ]);
    expect(iot.commandCalls(SearchIndexCommand)[0]?.args[0].input).toMatchObject({
      queryString: "thingGroupNames:fleet-dev-devices",
    });
  });

  it("prints a human table by default", async () => {
    expect(await main(["devices", "--stage", "dev"])).toBe(0);
    const table = stdout.join("");
    expect(table).toMatch(/serial.*thing.*state.*connected/);
    expect(table).toMatch(/10000000a1b2c3d4.*rpi-1.*provisioned.*yes/);
  });

  it("an invalid stage name is a usage error naming the stage", async () => {
    expect(await main(["devices", "--stage", "Dev_1"])).toBe(2);
    expect(stderr.join("")).toMatch(/^fleet: .*Dev_1/);
    expect(iot.calls()).toHaveLength(0);
  });
});
