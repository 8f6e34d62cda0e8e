import { randomBytes } from "node:crypto";
import {
  AttachPolicyCommand,
  AttachThingPrincipalCommand,
  CertificateStateException,
  type CertificateStatus,
  DeleteCertificateCommand,
  DeleteConflictException,
  DeleteThingCommand,
  DescribeCertificateCommand,
  DescribeThingCommand,
  DetachPolicyCommand,
  DetachThingPrincipalCommand,
  InvalidRequestException,
  type IoTClient,
  ListAttachedPoliciesCommand,
  ListPrincipalThingsCommand,
  ListThingPrincipalsCommand,
  ListThingsInThingGroupCommand,
  RegisterCertificateWithoutCACommand,
  ResourceAlreadyExistsException,
  ResourceNotFoundException,
  UpdateCertificateCommand,
} from "@aws-sdk/client-iot";
import type { AwsClientStub } from "aws-sdk-client-mock";
import { certificateIdOf } from "../../../src/contracts/certificate-id.ts";
import type {
  CertificateState,
  SeedDevice,
  SeededDevice,
} from "../../port-suites/device-registry.ts";

interface Thing {
  attributes: Record<string, string>;
  groups: Set<string>;
  /** Certificate ARNs. */
  principals: Set<string>;
}

interface Certificate {
  arn: string;
  status: CertificateStatus;
  pem: string;
  policies: Set<string>;
  creationDate: Date;
}

const ACCOUNT_ARN = "arn:aws:iot:eu-west-1:123456789012";

function notFound(what: string): ResourceNotFoundException {
  return new ResourceNotFoundException({ message: `${what} does not exist`, $metadata: {} });
}

/** Pages of `items` as AWS hands them out: `pageSize` at a time, the token an opaque offset. */
function page<T>(items: T[], token: string | undefined, pageSize: number) {
  const start = token === undefined ? 0 : Number(token.replace("page-", ""));
  const next = start + pageSize;
  return {
    items: items.slice(start, next),
    token: next < items.length ? `page-${next}` : undefined,
  };
}

/**
 * A tiny model of the AWS IoT registry behind aws-sdk-client-mock, following the documented
 * rules the DeviceRegistry relies on: what is missing answers ResourceNotFoundException (except
 * DeleteThing, which succeeds), an ACTIVE certificate cannot be deleted, nor one still attached,
 * a REVOKED certificate stays revoked, and lists come in small pages.
 */
export class InMemoryIot {
  readonly things = new Map<string, Thing>();
  readonly certificates = new Map<string, Certificate>();
  readonly groups = new Set<string>();
  /** Small, so every listing in the tests spans several pages. */
  readonly pageSize = 2;
  /** Policies AttachPolicy accepts (AWS refuses a policy that does not exist). */
  readonly policies = new Set<string>();
  /** Registration times grow by a second per certificate, in creation order. */
  #clock = Date.UTC(2030, 0, 1);

  readonly thingGroupName: string;

  constructor(thingGroupName: string) {
    this.thingGroupName = thingGroupName;
    this.groups.add(thingGroupName);
  }

  seed(...devices: SeedDevice[]): SeededDevice[] {
    return devices.map((device) => {
      const thing: Thing = {
        attributes: { serial: device.serial },
        groups: new Set(device.inFleetGroup === false ? [] : [this.thingGroupName]),
        principals: new Set(),
      };
      this.things.set(device.thingName, thing);
      const certificates = (device.certificates ?? []).map((seed) => {
        const certificateId = randomBytes(32).toString("hex");
        const certificatePem = `-----BEGIN CERTIFICATE-----\n${Buffer.from(certificateId).toString("base64")}\n-----END CERTIFICATE-----\n`;
        const arn = `${ACCOUNT_ARN}:cert/${certificateId}`;
        this.certificates.set(certificateId, {
          arn,
          status: seed.status ?? "ACTIVE",
          pem: certificatePem,
          policies: new Set(seed.policies ?? []),
          creationDate: this.#tick(),
        });
        thing.principals.add(arn);
        return { certificateId, certificatePem };
      });
      return { thingName: device.thingName, serial: device.serial, certificates };
    });
  }

  certificateState(certificateId: string): CertificateState | null {
    const certificate = this.certificates.get(certificateId);
    if (certificate === undefined) return null;
    const things = [...this.things.entries()]
      .filter(([, thing]) => thing.principals.has(certificate.arn))
      .map(([name]) => name);
    return { status: certificate.status, policies: [...certificate.policies], things };
  }

  /** Answers the registry's commands on `mock` from this model. */
  install(mock: AwsClientStub<IoTClient>): void {
    mock.on(ListThingsInThingGroupCommand).callsFake(async (input) => {
      if (!this.groups.has(input.thingGroupName)) throw notFound("thing group");
      const names = [...this.things.entries()]
        .filter(([, thing]) => thing.groups.has(input.thingGroupName))
        .map(([name]) => name);
      const { items, token } = page(names, input.nextToken, this.pageSize);
      return { things: items, nextToken: token };
    });
    mock.on(DescribeThingCommand).callsFake(async (input) => {
      const thing = this.#thing(input.thingName);
      return { thingName: input.thingName, attributes: { ...thing.attributes } };
    });
    mock.on(ListThingPrincipalsCommand).callsFake(async (input) => {
      const thing = this.#thing(input.thingName);
      const { items, token } = page([...thing.principals], input.nextToken, this.pageSize);
      return { principals: items, nextToken: token };
    });
    mock.on(DescribeCertificateCommand).callsFake(async (input) => {
      const certificate = this.#certificate(input.certificateId);
      return {
        certificateDescription: {
          certificateId: input.certificateId,
          certificateArn: certificate.arn,
          status: certificate.status,
          certificatePem: certificate.pem,
          creationDate: certificate.creationDate,
        },
      };
    });
    mock.on(RegisterCertificateWithoutCACommand).callsFake(async (input) => {
      const pem = input.certificatePem ?? "";
      const certificateId = certificateIdOf(pem);
      const arn = `${ACCOUNT_ARN}:cert/${certificateId}`;
      if (this.certificates.has(certificateId)) {
        throw new ResourceAlreadyExistsException({
          message: "The certificate is already provisioned or registered",
          $metadata: {},
          resourceId: certificateId,
          resourceArn: arn,
        });
      }
      this.certificates.set(certificateId, {
        arn,
        status: input.status ?? "INACTIVE",
        pem,
        policies: new Set(),
        creationDate: this.#tick(),
      });
      return { certificateId, certificateArn: arn };
    });
    mock.on(AttachPolicyCommand).callsFake(async (input) => {
      if (!this.policies.has(input.policyName ?? "")) throw notFound(`policy ${input.policyName}`);
      this.#certificateByArn(input.target).policies.add(input.policyName ?? "");
      return {};
    });
    mock.on(AttachThingPrincipalCommand).callsFake(async (input) => {
      const thing = this.#thing(input.thingName);
      this.#certificateByArn(input.principal);
      thing.principals.add(input.principal ?? "");
      return {};
    });
    mock.on(ListPrincipalThingsCommand).callsFake(async (input) => {
      this.#certificateByArn(input.principal);
      const names = [...this.things.entries()]
        .filter(([, thing]) => thing.principals.has(input.principal ?? ""))
        .map(([name]) => name);
      const { items, token } = page(names, input.nextToken, input.maxResults ?? this.pageSize);
      return { things: items, nextToken: token };
    });
    mock.on(UpdateCertificateCommand).callsFake(async (input) => {
      const certificate = this.#certificate(input.certificateId);
      if (certificate.status === "REVOKED" && input.newStatus !== "REVOKED") {
        throw new CertificateStateException({ message: "certificate is revoked", $metadata: {} });
      }
      certificate.status = input.newStatus;
      return {};
    });
    mock.on(ListAttachedPoliciesCommand).callsFake(async (input) => {
      const certificate = this.#certificateByArn(input.target);
      const names = [...certificate.policies];
      const { items, token } = page(names, input.marker, this.pageSize);
      return { policies: items.map((policyName) => ({ policyName })), nextMarker: token };
    });
    mock.on(DetachPolicyCommand).callsFake(async (input) => {
      this.#certificateByArn(input.target).policies.delete(input.policyName);
      return {};
    });
    mock.on(DetachThingPrincipalCommand).callsFake(async (input) => {
      const thing = this.#thing(input.thingName);
      this.#certificateByArn(input.principal);
      thing.principals.delete(input.principal);
      return {};
    });
    mock.on(DeleteCertificateCommand).callsFake(async (input) => {
      const certificate = this.#certificate(input.certificateId);
      if (certificate.status === "ACTIVE") {
        throw new CertificateStateException({
          message: "certificate must be deactivated before deletion",
          $metadata: {},
        });
      }
      const attached = [...this.things.values()].some((t) => t.principals.has(certificate.arn));
      if (certificate.policies.size > 0 || attached) {
        throw new DeleteConflictException({
          message: "certificate is attached to a policy or thing",
          $metadata: {},
        });
      }
      this.certificates.delete(input.certificateId);
      return {};
    });
    mock.on(DeleteThingCommand).callsFake(async (input) => {
      const thing = this.things.get(input.thingName);
      if (thing === undefined) return {};
      if (thing.principals.size > 0) {
        throw new InvalidRequestException({
          message: "cannot delete a thing with attached principals",
          $metadata: {},
        });
      }
      this.things.delete(input.thingName);
      return {};
    });
  }

  #tick(): Date {
    this.#clock += 1_000;
    return new Date(this.#clock);
  }

  #thing(name: string | undefined): Thing {
    const thing = name === undefined ? undefined : this.things.get(name);
    if (thing === undefined) throw notFound(`thing ${name}`);
    return thing;
  }

  #certificate(id: string | undefined): Certificate {
    const certificate = id === undefined ? undefined : this.certificates.get(id);
    if (certificate === undefined) throw notFound(`certificate ${id}`);
    return certificate;
  }

  #certificateByArn(arn: string | undefined): Certificate {
    const certificate = [...this.certificates.values()].find((c) => c.arn === arn);
    if (certificate === undefined) throw notFound(`certificate ${arn}`);
    return certificate;
  }
}
