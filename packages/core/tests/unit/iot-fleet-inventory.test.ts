import { readFileSync } from "node:fs";
import {
  DescribeCertificateCommand,
  type DescribeCertificateResponse,
  GetIndexingConfigurationCommand,
  type GetIndexingConfigurationResponse,
  IndexNotReadyException,
  IoTClient,
  ListThingPrincipalsCommand,
  type ListThingPrincipalsResponse,
  ResourceNotFoundException,
  SearchIndexCommand,
  type SearchIndexResponse,
  UnauthorizedException,
} from "@aws-sdk/client-iot";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it, vi } from "vitest";
import {
  AwsAccessDeniedError,
  AwsCredentialsError,
  FleetIndexUnavailableError,
} from "../../src/adapters/aws/aws-error-types.ts";
import { createIotClient, IotFleetInventory } from "../../src/adapters/aws/index.ts";
import { type DeviceView, DeviceViewSchema } from "../../src/contracts/index.ts";

// SDK responses as the client returns them (timestamps revived to Date, as the SDK does).
const DATE_FIELDS = new Set(["creationDate", "lastModifiedDate", "notBefore", "notAfter"]);
function fixture<T>(name: string): T {
  const text = readFileSync(new URL(`../fixtures/aws/${name}`, import.meta.url), "utf8");
  return JSON.parse(text, (key, value) =>
    DATE_FIELDS.has(key) && typeof value === "string" ? new Date(value) : value,
  );
}

const indexingEnabled = fixture<GetIndexingConfigurationResponse>(
  "get-indexing-configuration.json",
);
const searchPages = [
  fixture<SearchIndexResponse>("search-index-page-1.json"),
  fixture<SearchIndexResponse>("search-index-page-2.json"),
];
const principalPages = fixture<Record<string, ListThingPrincipalsResponse[]>>(
  "list-thing-principals.json",
);
const certificates = fixture<DescribeCertificateResponse[]>("describe-certificate.json");

const GROUP = "fleet-dev-devices";
const [REVOKED_OLD, ACTIVE_NEW, INACTIVE, REVOKED_ONLY] = ["a", "b", "c", "d"].map((c) =>
  c.repeat(64),
);

/** The page that answers `nextToken`: the first page, or the one after the page that handed it out. */
function pageFor<T extends { nextToken?: string | undefined }>(pages: T[], nextToken?: string): T {
  const index = nextToken === undefined ? 0 : pages.findIndex((p) => p.nextToken === nextToken) + 1;
  const page = pages[index];
  if (index === 0 && nextToken !== undefined) throw new Error(`unknown nextToken ${nextToken}`);
  if (page === undefined) throw new Error(`no page for nextToken ${nextToken}`);
  return page;
}

function describeFromFixtures(certificateId?: string): DescribeCertificateResponse {
  const found = certificates.find((c) => c.certificateDescription?.certificateId === certificateId);
  if (found === undefined) {
    throw new ResourceNotFoundException({ message: "not found", $metadata: {} });
  }
  return found;
}

function awsError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name });
}

describe("IotFleetInventory", () => {
  const iot = new IoTClient({ region: "eu-west-1" });
  const mock = mockClient(iot);
  const inventory = new IotFleetInventory({ iot, thingGroupName: GROUP });

  beforeEach(() => {
    mock.reset();
    mock.on(GetIndexingConfigurationCommand).resolves(indexingEnabled);
    mock.on(SearchIndexCommand).callsFake((input) => pageFor(searchPages, input.nextToken));
    mock
      .on(ListThingPrincipalsCommand)
      .callsFake((input) => pageFor(principalPages[input.thingName] ?? [], input.nextToken));
    mock
      .on(DescribeCertificateCommand)
      .callsFake((input) => describeFromFixtures(input.certificateId));
  });

  it("lists the stage's devices with their certificate state and reported apps, sorted by serial", async () => {
    const devices = await inventory.listDevices();

    for (const device of devices) expect(DeviceViewSchema.parse(device)).toEqual(device);
    expect(devices).toEqual([
      {
        serial: "rpi-0001",
        thingName: "rpi-0001",
        apps: { led: "1.0.0", button: "1.0.0" },
        state: "provisioned",
        connected: true,
        certificateId: ACTIVE_NEW,
        notAfter: "2027-09-01T08:00:00.000Z",
        reason: null,
      },
      {
        serial: "rpi-0002",
        thingName: "rpi-0002",
        apps: {},
        state: "provisioned",
        connected: false,
        certificateId: INACTIVE,
        notAfter: "2027-03-02T09:30:00.000Z",
        reason: `certificate ${INACTIVE} is INACTIVE`,
      },
      {
        serial: "rpi-0003",
        thingName: "rpi-0003",
        apps: {},
        state: "revoked",
        connected: false,
        certificateId: REVOKED_ONLY,
        notAfter: "2027-02-14T12:00:00.000Z",
        reason: `certificate ${REVOKED_ONLY} is REVOKED`,
      },
      {
        // No `serial` attribute: the thing name is the serial.
        serial: "rpi-0004",
        thingName: "rpi-0004",
        apps: {},
        state: "pending",
        connected: false,
        certificateId: null,
        notAfter: null,
        reason: "no certificate attached",
      },
    ]);
  });

  it("pages through the thing group in the fleet index with nextToken", async () => {
    await inventory.listDevices();

    expect(mock.commandCalls(SearchIndexCommand).map((c) => c.args[0].input)).toEqual([
      {
        indexName: "AWS_Things",
        queryString: "thingGroupNames:fleet-dev-devices",
        maxResults: 100,
      },
      {
        indexName: "AWS_Things",
        queryString: "thingGroupNames:fleet-dev-devices",
        maxResults: 100,
        nextToken: searchPages[0]?.nextToken,
      },
    ]);
  });

  it("pages through each thing's principals and describes only certificate principals", async () => {
    await inventory.listDevices();

    // Sorted because things are read concurrently; first pages (no nextToken) first.
    const key = (input: { thingName?: string; nextToken?: string }) =>
      `${input.thingName} ${input.nextToken ?? ""}`;
    const principalCalls = mock
      .commandCalls(ListThingPrincipalsCommand)
      .map((c) => c.args[0].input)
      .sort((a, b) => key(a).localeCompare(key(b)));
    expect(principalCalls).toEqual([
      { thingName: "rpi-0001" },
      { thingName: "rpi-0001", nextToken: principalPages["rpi-0001"]?.[0]?.nextToken },
      { thingName: "rpi-0002" },
      { thingName: "rpi-0003" },
      { thingName: "rpi-0004" },
    ]);
    const described = mock
      .commandCalls(DescribeCertificateCommand)
      .map((c) => c.args[0].input.certificateId);
    expect(described.toSorted()).toEqual([REVOKED_OLD, ACTIVE_NEW, INACTIVE, REVOKED_ONLY]);
  });

  it("keeps at most `concurrency` IoT requests in flight", async () => {
    const many = Array.from({ length: 6 }, (_, i) => ({ thingName: `rpi-100${i}` }));
    let inFlight = 0;
    let maxInFlight = 0;
    mock.on(SearchIndexCommand).resolves({ things: many });
    mock.on(ListThingPrincipalsCommand).callsFake(async () => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight -= 1;
      return { principals: [] };
    });

    const devices = await new IotFleetInventory({
      iot,
      thingGroupName: GROUP,
      concurrency: 2,
    }).listDevices();

    expect(devices).toHaveLength(6);
    expect(maxInFlight).toBe(2);
  });

  it("leaves out a thing deleted while the fleet was being read", async () => {
    mock
      .on(ListThingPrincipalsCommand, { thingName: "rpi-0002" })
      .rejects(new ResourceNotFoundException({ message: "thing not found", $metadata: {} }));

    const serials = (await inventory.listDevices()).map((d) => d.serial);

    expect(serials).toEqual(["rpi-0001", "rpi-0003", "rpi-0004"]);
  });

  it("refuses to answer when the account does not index thing connectivity", async () => {
    mock
      .on(GetIndexingConfigurationCommand)
      .resolves(fixture("get-indexing-configuration-no-connectivity.json"));

    const error = await inventory.listDevices().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(FleetIndexUnavailableError);
    expect(error).toMatchObject({ reason: "not-enabled" });
    expect((error as Error).message).toMatch(
      /^fleet indexing with thing connectivity is not enabled .*deploy the stage \(stacks\/device-identity\.ts\)/,
    );
    expect(mock.commandCalls(SearchIndexCommand)).toHaveLength(0);
  });

  it("reports a fleet index that does not exist as not enabled", async () => {
    mock
      .on(SearchIndexCommand)
      .rejects(new ResourceNotFoundException({ message: "index not found", $metadata: {} }));

    await expect(inventory.listDevices()).rejects.toMatchObject({
      name: "FleetIndexUnavailableError",
      reason: "not-enabled",
    });
  });

  it("tells the operator to retry while the fleet index is still being built", async () => {
    mock
      .on(SearchIndexCommand)
      .rejects(new IndexNotReadyException({ message: "index not ready", $metadata: {} }));

    const error = await inventory.listDevices().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(FleetIndexUnavailableError);
    expect(error).toMatchObject({ reason: "building" });
    expect((error as Error).message).toMatch(/still being built.*retry in a few minutes/);
  });

  it("names the refused operation when IAM denies a call", async () => {
    mock
      .on(DescribeCertificateCommand)
      .rejects(awsError("AccessDeniedException", "not authorized"));

    const error = await inventory.listDevices().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AwsAccessDeniedError);
    expect(error).toMatchObject({ operation: "DescribeCertificate" });
    expect((error as Error).message).toMatch(/allows iot:DescribeCertificate$/);
  });

  it("maps IoT's UnauthorizedException to an access-denied error", async () => {
    mock
      .on(GetIndexingConfigurationCommand)
      .rejects(new UnauthorizedException({ message: "unauthorized", $metadata: {} }));

    await expect(inventory.listDevices()).rejects.toMatchObject({
      name: "AwsAccessDeniedError",
      operation: "GetIndexingConfiguration",
    });
  });

  it("says how to get credentials when none can be loaded", async () => {
    mock
      .on(GetIndexingConfigurationCommand)
      .rejects(
        awsError("CredentialsProviderError", "Could not load credentials from any providers"),
      );

    const error = await inventory.listDevices().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AwsCredentialsError);
    expect((error as Error).message).toMatch(/AWS_PROFILE/);
  });

  it("passes other AWS errors through unchanged", async () => {
    const failure = awsError("InternalFailureException", "internal failure");
    mock.on(SearchIndexCommand).rejects(failure);

    await expect(inventory.listDevices()).rejects.toBe(failure);
  });
});

describe("createIotClient", () => {
  // aws-sdk-client-mock replaces `send`, which skips the SDK's retry middleware, so this test
  // answers at the HTTP layer instead: the real retry strategy sees a real ThrottlingException.
  it("retries a throttled call and returns its eventual result", async () => {
    const requests: string[] = [];
    let throttled = false;
    const reply = (statusCode: number, body: unknown, headers: Record<string, string> = {}) => ({
      response: {
        statusCode,
        headers: { "content-type": "application/json", ...headers },
        body: new TextEncoder().encode(JSON.stringify(body)),
      },
    });
    const requestHandler = {
      handle: async (request: { method: string; path: string }) => {
        requests.push(`${request.method} ${request.path}`);
        if (request.path === "/indexing/config") return reply(200, indexingEnabled);
        if (request.path === "/indices/search" && !throttled) {
          throttled = true;
          return reply(
            400,
            { message: "Rate exceeded" },
            { "x-amzn-errortype": "ThrottlingException" },
          );
        }
        if (request.path === "/indices/search") {
          return reply(200, {
            things: [{ thingName: "rpi-0004", connectivity: { connected: true } }],
          });
        }
        if (request.path === "/things/rpi-0004/principals") return reply(200, { principals: [] });
        return reply(404, { message: `unexpected ${request.path}` });
      },
    };
    const iot = createIotClient({
      region: "eu-west-1",
      credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
      requestHandler,
    });

    // The backoff and adaptive rate limiter sleep for up to seconds: run them on a fake clock.
    vi.useFakeTimers();
    let devices: DeviceView[] | undefined;
    try {
      let settled = false;
      const listing = new IotFleetInventory({ iot, thingGroupName: GROUP })
        .listDevices()
        .finally(() => {
          settled = true;
        });
      for (let step = 0; !settled && step < 60; step++) await vi.advanceTimersByTimeAsync(1_000);
      devices = await listing;
    } finally {
      vi.useRealTimers();
    }

    expect(requests.filter((r) => r === "POST /indices/search")).toHaveLength(2);
    expect(devices).toMatchObject([{ serial: "rpi-0004", connected: true, state: "pending" }]);
  });

  it("configures the SDK's adaptive retry mode", async () => {
    const iot = createIotClient({ region: "eu-west-1" });

    expect(await iot.config.maxAttempts()).toBe(8);
    expect(await iot.config.retryStrategy()).toMatchObject({ mode: "adaptive" });
  });
});
