import {
  type CertificateDescription,
  DescribeCertificateCommand,
  GetIndexingConfigurationCommand,
  type IoTClient,
  SearchIndexCommand,
  type ThingDocument,
} from "@aws-sdk/client-iot";
import pLimit, { type LimitFunction } from "p-limit";
import { DeviceReportedStateSchema } from "../../contracts/device-state.ts";
import type { DeviceView } from "../../contracts/device-view.ts";
import { SERIAL_ATTRIBUTE } from "../../contracts/stage-resources.ts";
import { deriveDeviceView } from "../../domain/derive-device-view.ts";
import type { FleetInventory } from "../../ports/fleet-inventory.ts";
import { FleetIndexUnavailableError } from "./aws-error-types.ts";
import { errorName, IOT_SERVICE, mapAwsError } from "./aws-errors.ts";
import { nextTokenPages } from "./next-token-pages.ts";
import { listThingCertificates } from "./thing-certificates.ts";

export interface IotFleetInventoryOptions {
  /** Preferably from `createIotClient`, whose retry settings absorb throttling. */
  iot: IoTClient;
  /** The stage's thing group: `stageResourceNames(stage).thingGroupName`. */
  thingGroupName: string;
  /** IoT requests in flight at once while reading certificates. Default 8. */
  concurrency?: number;
}

const DEFAULTS = { concurrency: 8 } as const;

/** The fleet index of things; fleet indexing creates it under this fixed name. */
const THINGS_INDEX = "AWS_Things";
/** SearchIndex returns at most 100 things per page. */
const SEARCH_PAGE_SIZE = 100;

const NOT_ENABLED_MESSAGE =
  "fleet indexing with thing connectivity is not enabled for this account/region: deploy the stage (stacks/device-identity.ts), or check that --stage, the AWS profile and the region point at it";

/** Reads a deployed stage's devices from AWS IoT Core: its thing group, fleet index and certificates. */
export class IotFleetInventory implements FleetInventory {
  readonly #iot: IoTClient;
  readonly #thingGroupName: string;
  readonly #limit: LimitFunction;

  constructor(options: IotFleetInventoryOptions) {
    const { iot, thingGroupName, concurrency } = { ...DEFAULTS, ...options };
    this.#iot = iot;
    this.#thingGroupName = thingGroupName;
    this.#limit = pLimit(concurrency);
  }

  /**
   * 1. Check the index answers connectivity (otherwise every device would read as offline).
   * 2. Page through the things of the stage's thing group in the fleet index.
   * 3. Per thing, list its certificate principals, then describe each certificate.
   * 4. Summarise each thing as a DeviceView, sorted by serial.
   */
  async listDevices(): Promise<DeviceView[]> {
    await this.#assertConnectivityIndexed();
    const things = await this.#searchGroupThings();
    const devices = await Promise.all(
      things.map(async (thing) => {
        // Listing and describing are limited separately: a slot held while waiting for
        // other slots would deadlock once every slot is held that way.
        const certificateIds = await this.#limit(() => this.#certificateIds(thing.thingName));
        if (certificateIds === undefined) return undefined;
        const certificates = await Promise.all(
          certificateIds.map((id) => this.#limit(() => this.#describeCertificate(id))),
        );
        return deviceView(
          thing,
          certificates.filter((c) => c !== undefined),
        );
      }),
    );
    return devices
      .filter((device) => device !== undefined)
      .sort((a, b) => a.serial.localeCompare(b.serial));
  }

  async #assertConnectivityIndexed(): Promise<void> {
    const config = await call("GetIndexingConfiguration", () =>
      this.#iot.send(new GetIndexingConfigurationCommand({})),
    );
    const things = config.thingIndexingConfiguration;
    if (
      things?.thingIndexingMode === undefined ||
      things.thingIndexingMode === "OFF" ||
      things.thingConnectivityIndexingMode !== "STATUS"
    ) {
      throw new FleetIndexUnavailableError(NOT_ENABLED_MESSAGE, { reason: "not-enabled" });
    }
  }

  async #searchGroupThings(): Promise<IndexedThing[]> {
    // Keyed by thing name: a thing re-indexed while we page could otherwise appear twice.
    const things = new Map<string, IndexedThing>();
    const search = (nextToken: string | undefined) =>
      call("SearchIndex", () =>
        this.#iot.send(
          new SearchIndexCommand({
            indexName: THINGS_INDEX,
            queryString: `thingGroupNames:${this.#thingGroupName}`,
            maxResults: SEARCH_PAGE_SIZE,
            nextToken,
          }),
        ),
      );
    for await (const page of nextTokenPages(search)) {
      for (const thing of page.things ?? []) {
        const { thingName } = thing;
        if (thingName !== undefined) things.set(thingName, { ...thing, thingName });
      }
    }
    return [...things.values()];
  }

  /** Ids of the certificates attached to a thing; undefined if the thing was deleted meanwhile. */
  async #certificateIds(thingName: string): Promise<string[] | undefined> {
    const certificates = await listThingCertificates(this.#iot, thingName);
    return certificates?.map((c) => c.certificateId);
  }

  /** undefined if the certificate was deleted between listing and describing it. */
  async #describeCertificate(certificateId: string): Promise<CertificateDescription | undefined> {
    try {
      const reply = await this.#iot.send(new DescribeCertificateCommand({ certificateId }));
      return reply.certificateDescription;
    } catch (error) {
      if (errorName(error) === "ResourceNotFoundException") return undefined;
      throw mapIotError("DescribeCertificate", error);
    }
  }
}

type IndexedThing = ThingDocument & { thingName: string };

function deviceView(thing: IndexedThing, certificates: CertificateDescription[]): DeviceView {
  return deriveDeviceView({
    serial: thing.attributes?.[SERIAL_ATTRIBUTE] ?? thing.thingName,
    thingName: thing.thingName,
    connected: thing.connectivity?.connected === true,
    apps: reportedApps(thing.shadow),
    certificates: certificates.flatMap((c) =>
      c.certificateId === undefined
        ? []
        : [
            {
              certificateId: c.certificateId,
              status: c.status ?? "UNKNOWN",
              notAfter: c.validity?.notAfter ?? null,
              createdAt: c.creationDate ?? null,
            },
          ],
    ),
  });
}

/**
 * The apps a device reported in its classic shadow, which the fleet index returns as a JSON
 * string (indexing mode REGISTRY_AND_SHADOW). A missing or foreign shadow means no apps known.
 */
function reportedApps(shadow: string | undefined): Record<string, string> {
  if (shadow === undefined) return {};
  let document: unknown;
  try {
    document = JSON.parse(shadow);
  } catch {
    return {};
  }
  const reported = (document as { reported?: unknown } | null)?.reported;
  const parsed = DeviceReportedStateSchema.pick({ apps: true }).safeParse(reported);
  return parsed.success ? parsed.data.apps : {};
}

async function call<T>(operation: string, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    throw mapIotError(operation, error);
  }
}

/** Turns the SDK errors an operator can act on into typed errors; others pass through. */
function mapIotError(operation: string, error: unknown): unknown {
  const name = errorName(error);
  if (operation === "SearchIndex" && name === "ResourceNotFoundException") {
    // A fleet index that was never enabled answers like a missing resource.
    return new FleetIndexUnavailableError(NOT_ENABLED_MESSAGE, {
      reason: "not-enabled",
      cause: error,
    });
  }
  if (operation === "SearchIndex" && name === "IndexNotReadyException") {
    return new FleetIndexUnavailableError(
      "the fleet index of this account/region is still being built (it was just enabled): retry in a few minutes",
      { reason: "building", cause: error },
    );
  }
  return mapAwsError(IOT_SERVICE, operation, error);
}
