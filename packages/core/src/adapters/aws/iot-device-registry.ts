import { setTimeout as sleep } from "node:timers/promises";
import {
  AttachPolicyCommand,
  AttachThingPrincipalCommand,
  type CertificateDescription,
  type CertificateStatus,
  DeleteCertificateCommand,
  DeleteThingCommand,
  DescribeCertificateCommand,
  DescribeThingCommand,
  DetachPolicyCommand,
  DetachThingPrincipalCommand,
  type IoTClient,
  ListAttachedPoliciesCommand,
  ListPrincipalThingsCommand,
  ListThingsInThingGroupCommand,
  RegisterCertificateWithoutCACommand,
  UpdateCertificateCommand,
} from "@aws-sdk/client-iot";
import pLimit, { type LimitFunction } from "p-limit";
import { certificateIdOf } from "../../contracts/certificate-id.ts";
import { SERIAL_ATTRIBUTE } from "../../contracts/stage-resources.ts";
import { FleetError } from "../../errors.ts";
import type {
  DeviceRegistry,
  RegisteredCertificate,
  RegisteredDevice,
} from "../../ports/device-registry.ts";
import { callAws, errorName, IOT_SERVICE, mapAwsError } from "./aws-errors.ts";
import { nextTokenPages } from "./next-token-pages.ts";
import { listThingCertificates } from "./thing-certificates.ts";

export interface IotDeviceRegistryOptions {
  /** Preferably from `createIotClient`, whose retry settings absorb throttling. */
  iot: IoTClient;
  /**
   * The stage's thing group (`stageResourceNames(stage).thingGroupName`), which `listDevices`
   * lists. Callers that never list the fleet (the pre-provisioning hook) may leave it out.
   */
  thingGroupName?: string;
  /**
   * The stage's device policy (`stageResourceNames(stage).devicePolicyName`), which
   * `attachPolicy` attaches. Needed only by rotation; other callers may leave it out.
   */
  devicePolicyName?: string;
  /** IoT requests in flight at once while describing things and certificates. Default 8. */
  concurrency?: number;
  /**
   * DeleteCertificate right after DetachThingPrincipal may still see the attachment (AWS
   * documents the detach as asynchronous, taking up to several seconds): such a
   * DeleteConflictException is retried this many times, after `detachDelayMs`, doubling.
   * Defaults 5 and 1000 ms (about 31 s in all).
   */
  detachRetries?: number;
  detachDelayMs?: number;
}

const DEFAULTS = { concurrency: 8, detachRetries: 5, detachDelayMs: 1_000 } as const;

/** ListThingsInThingGroup and ListAttachedPolicies return at most 250 per page. */
const PAGE_SIZE = 250;

/**
 * The stage's AWS IoT registry. Every mutation tolerates ResourceNotFoundException, so a
 * reconcile that stopped half-way can run again; throttling is left to the client's retry
 * settings (createIotClient).
 */
export class IotDeviceRegistry implements DeviceRegistry {
  readonly #iot: IoTClient;
  readonly #thingGroupName: string | undefined;
  readonly #devicePolicyName: string | undefined;
  readonly #limit: LimitFunction;
  readonly #detachRetries: number;
  readonly #detachDelayMs: number;
  /** Certificate ARNs seen while listing (the ARN names the certificate in attach calls). */
  readonly #arns = new Map<string, string>();

  constructor(options: IotDeviceRegistryOptions) {
    const { iot, thingGroupName, devicePolicyName, concurrency, detachRetries, detachDelayMs } = {
      ...DEFAULTS,
      ...options,
    };
    this.#iot = iot;
    this.#thingGroupName = thingGroupName;
    this.#devicePolicyName = devicePolicyName;
    this.#limit = pLimit(concurrency);
    this.#detachRetries = detachRetries;
    this.#detachDelayMs = detachDelayMs;
  }

  /** Pages through the fleet group; each page's things are described concurrently. */
  async *listDevices(): AsyncIterable<RegisteredDevice> {
    const thingGroupName = this.#thingGroupName;
    if (thingGroupName === undefined) {
      throw new FleetError(
        "IotDeviceRegistry cannot list the fleet: construct it with thingGroupName (stageResourceNames(stage).thingGroupName)",
      );
    }
    const list = (nextToken: string | undefined) =>
      this.#iot.send(
        new ListThingsInThingGroupCommand({
          thingGroupName,
          maxResults: PAGE_SIZE,
          nextToken,
        }),
      );
    try {
      for await (const page of nextTokenPages(list)) {
        const devices = await Promise.all(
          (page.things ?? []).map((thingName) => this.#limit(() => this.#describeThing(thingName))),
        );
        for (const device of devices) if (device !== undefined) yield device;
      }
    } catch (error) {
      // A group that does not exist (yet) has no devices.
      if (errorName(error) === "ResourceNotFoundException") return;
      throw mapAwsError(IOT_SERVICE, "ListThingsInThingGroup", error);
    }
  }

  async listCertificates(thingName: string): Promise<RegisteredCertificate[]> {
    const ids = await this.#certificateIds(thingName);
    const described = await Promise.all(
      ids.map((id) => this.#limit(() => this.#describeCertificate(id))),
    );
    return described.flatMap((c) =>
      c?.certificateId === undefined || c.status === undefined || c.certificatePem === undefined
        ? []
        : [{ certificateId: c.certificateId, status: c.status, certificatePem: c.certificatePem }],
    );
  }

  /** INACTIVE first: it ends the device's live sessions at once; then REVOKED for good. */
  async revokeCertificate(certificateId: string): Promise<void> {
    const certificate = await this.#describeCertificate(certificateId);
    if (certificate === undefined || certificate.status === "REVOKED") return;
    const steps: CertificateStatus[] =
      certificate.status === "INACTIVE" ? ["REVOKED"] : ["INACTIVE", "REVOKED"];
    for (const newStatus of steps) {
      const done = await tolerateNotFound("UpdateCertificate", () =>
        this.#iot.send(new UpdateCertificateCommand({ certificateId, newStatus })),
      );
      if (done === undefined) return;
    }
  }

  async detachPolicies(certificateId: string): Promise<void> {
    const target = await this.#certificateArn(certificateId);
    if (target === undefined) return;
    // Every page is read before detaching: detaching while paging could shift later pages.
    const policyNames: string[] = [];
    const listed = await tolerateNotFound("ListAttachedPolicies", async () => {
      let marker: string | undefined;
      do {
        const page = await this.#iot.send(
          new ListAttachedPoliciesCommand({ target, pageSize: PAGE_SIZE, marker }),
        );
        for (const policy of page.policies ?? []) {
          if (policy.policyName !== undefined) policyNames.push(policy.policyName);
        }
        marker = page.nextMarker;
      } while (marker);
      return true;
    });
    if (listed === undefined) return;
    for (const policyName of policyNames) {
      await tolerateNotFound("DetachPolicy", () =>
        this.#iot.send(new DetachPolicyCommand({ policyName, target })),
      );
    }
  }

  async detachThingPrincipal(thingName: string, certificateId: string): Promise<void> {
    const principal = await this.#certificateArn(certificateId);
    if (principal === undefined) return;
    await tolerateNotFound("DetachThingPrincipal", () =>
      this.#iot.send(new DetachThingPrincipalCommand({ thingName, principal })),
    );
  }

  /** forceDelete false: AWS refuses to delete a certificate that is ACTIVE or still attached. */
  async deleteCertificate(certificateId: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.#iot.send(new DeleteCertificateCommand({ certificateId, forceDelete: false }));
        break;
      } catch (error) {
        const name = errorName(error);
        if (name === "ResourceNotFoundException") break;
        if (name !== "DeleteConflictException" || attempt >= this.#detachRetries) {
          throw mapAwsError(IOT_SERVICE, "DeleteCertificate", error);
        }
        await sleep(this.#detachDelayMs * 2 ** attempt);
      }
    }
    this.#arns.delete(certificateId);
  }

  /** AWS itself answers success for a thing that does not exist. */
  async deleteThing(thingName: string): Promise<void> {
    await tolerateNotFound("DeleteThing", () =>
      this.#iot.send(new DeleteThingCommand({ thingName })),
    );
  }

  /**
   * RegisterCertificateWithoutCA, ACTIVE. AWS refuses a certificate it already holds with
   * ResourceAlreadyExistsException naming its id; that id is the answer then.
   */
  async registerCertificate(certificatePem: string): Promise<{ certificateId: string }> {
    try {
      const reply = await this.#iot.send(
        new RegisterCertificateWithoutCACommand({ certificatePem, status: "ACTIVE" }),
      );
      const certificateId = reply.certificateId ?? certificateIdOf(certificatePem);
      if (reply.certificateArn !== undefined) this.#arns.set(certificateId, reply.certificateArn);
      return { certificateId };
    } catch (error) {
      if (errorName(error) !== "ResourceAlreadyExistsException") {
        throw mapAwsError(IOT_SERVICE, "RegisterCertificateWithoutCA", error);
      }
      const { resourceId } = error as { resourceId?: string };
      return { certificateId: resourceId ?? certificateIdOf(certificatePem) };
    }
  }

  /** Attaching a policy that is already attached succeeds (AWS answers success). */
  async attachPolicy(certificateId: string): Promise<void> {
    const policyName = this.#devicePolicyName;
    if (policyName === undefined) {
      throw new FleetError(
        "IotDeviceRegistry cannot attach the device policy: construct it with devicePolicyName (stageResourceNames(stage).devicePolicyName)",
      );
    }
    const target = await this.#existingCertificateArn(certificateId);
    await callAws(IOT_SERVICE, "AttachPolicy", () =>
      this.#iot.send(new AttachPolicyCommand({ policyName, target })),
    );
  }

  async attachThingPrincipal(thingName: string, certificateId: string): Promise<void> {
    const principal = await this.#existingCertificateArn(certificateId);
    await callAws(IOT_SERVICE, "AttachThingPrincipal", () =>
      this.#iot.send(new AttachThingPrincipalCommand({ thingName, principal })),
    );
  }

  /** ListPrincipalThings; a certificate on several things (never done here) answers the first. */
  async thingOfCertificate(certificateId: string): Promise<string | null> {
    const principal = await this.#certificateArn(certificateId);
    if (principal === undefined) return null;
    const reply = await tolerateNotFound("ListPrincipalThings", () =>
      this.#iot.send(new ListPrincipalThingsCommand({ principal, maxResults: 1 })),
    );
    return reply?.things?.[0] ?? null;
  }

  /** Ids of the certificates attached to the thing; none when the thing does not exist. */
  async #certificateIds(thingName: string): Promise<string[]> {
    const certificates = (await listThingCertificates(this.#iot, thingName)) ?? [];
    for (const { certificateId, arn } of certificates) this.#arns.set(certificateId, arn);
    return certificates.map((c) => c.certificateId);
  }

  /** undefined if the thing was deleted between listing and describing it. */
  async #describeThing(thingName: string): Promise<RegisteredDevice | undefined> {
    const thing = await tolerateNotFound("DescribeThing", () =>
      this.#iot.send(new DescribeThingCommand({ thingName })),
    );
    if (thing === undefined) return undefined;
    // A thing without the attribute was named after its serial.
    return { thingName, serial: thing.attributes?.[SERIAL_ATTRIBUTE] ?? thingName };
  }

  async #describeCertificate(certificateId: string): Promise<CertificateDescription | undefined> {
    const reply = await tolerateNotFound("DescribeCertificate", () =>
      this.#iot.send(new DescribeCertificateCommand({ certificateId })),
    );
    const description = reply?.certificateDescription;
    if (description?.certificateArn !== undefined) {
      this.#arns.set(certificateId, description.certificateArn);
    }
    return description;
  }

  /** For attachments, which need the certificate to exist. */
  async #existingCertificateArn(certificateId: string): Promise<string> {
    const arn = await this.#certificateArn(certificateId);
    if (arn === undefined) {
      throw new FleetError(`certificate ${certificateId} does not exist in AWS IoT`);
    }
    return arn;
  }

  /** undefined when the certificate does not exist. */
  async #certificateArn(certificateId: string): Promise<string | undefined> {
    return (
      this.#arns.get(certificateId) ??
      (await this.#describeCertificate(certificateId))?.certificateArn
    );
  }
}

/** The call's result, or undefined when what it names does not exist (any more). */
async function tolerateNotFound<T>(
  operation: string,
  send: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await send();
  } catch (error) {
    if (errorName(error) === "ResourceNotFoundException") return undefined;
    throw mapAwsError(IOT_SERVICE, operation, error);
  }
}
