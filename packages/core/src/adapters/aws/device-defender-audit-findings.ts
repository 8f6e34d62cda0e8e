import { type AuditFinding, type IoTClient, ListAuditFindingsCommand } from "@aws-sdk/client-iot";
import { EXPIRING_CERTIFICATE_CHECK } from "../../contracts/audit.ts";
import type { AuditFindings, ExpiringCertificateFinding } from "../../ports/audit-findings.ts";
import { silentLogger, type UseCaseLogger } from "../../use-cases/logger.ts";
import { IOT_SERVICE, mapAwsError } from "./aws-errors.ts";
import { certificateIdFromArn } from "./iot-certificate-arn.ts";
import { nextTokenPages } from "./next-token-pages.ts";

export interface DeviceDefenderAuditFindingsOptions {
  /** Preferably from `createIotClient`, whose retry settings absorb throttling. */
  iot: IoTClient;
  /** Told about each finding that names no readable device certificate. Default: silent. */
  logger?: UseCaseLogger;
}

/** The most ListAuditFindings returns per page. */
const PAGE_SIZE = 250;

// AWS IoT certificate ids: 64 hex digits (the API's pattern also allows a `0x` prefix).
const CERTIFICATE_ID = /^(?:0x)?([0-9a-fA-F]{64})$/;

/**
 * Device Defender audit findings read with ListAuditFindings. Findings come from AWS's side
 * of a long-lived API, so each is checked: one without a usable device certificate id is
 * logged and passed over rather than failing the whole task's findings.
 */
export class DeviceDefenderAuditFindings implements AuditFindings {
  readonly #iot: IoTClient;
  readonly #logger: UseCaseLogger;

  constructor(options: DeviceDefenderAuditFindingsOptions) {
    this.#iot = options.iot;
    this.#logger = options.logger ?? silentLogger;
  }

  async *expiringCertificates(taskId: string): AsyncIterable<ExpiringCertificateFinding> {
    const list = (nextToken: string | undefined) =>
      this.#iot.send(
        new ListAuditFindingsCommand({
          taskId,
          checkName: EXPIRING_CERTIFICATE_CHECK,
          // Suppressed findings are certificates the operator chose to leave as they are.
          listSuppressedFindings: false,
          maxResults: PAGE_SIZE,
          nextToken,
        }),
      );
    try {
      for await (const page of nextTokenPages(list)) {
        for (const finding of page.findings ?? []) {
          const certificateId = this.#certificateIdOf(taskId, finding);
          if (certificateId !== undefined) yield { certificateId };
        }
      }
    } catch (error) {
      throw mapAwsError(IOT_SERVICE, "ListAuditFindings", error);
    }
  }

  /** The finding's device certificate id, lower-case; undefined (logged) when it has none. */
  #certificateIdOf(taskId: string, finding: AuditFinding): string | undefined {
    const skip = (reason: string) => {
      this.#logger.warn(
        { taskId, findingId: finding.findingId ?? null, reason },
        "audit finding passed over",
      );
      return undefined;
    };
    if (finding.isSuppressed === true) return undefined;
    if (finding.checkName !== undefined && finding.checkName !== EXPIRING_CERTIFICATE_CHECK) {
      return skip(`finding of another check: ${finding.checkName}`);
    }
    const resource = finding.nonCompliantResource;
    if (resource?.resourceType !== undefined && resource.resourceType !== "DEVICE_CERTIFICATE") {
      return skip(`resource is a ${resource.resourceType}, not a device certificate`);
    }
    const identifier = resource?.resourceIdentifier;
    const fromId = CERTIFICATE_ID.exec(identifier?.deviceCertificateId ?? "")?.[1];
    const fromArn =
      identifier?.deviceCertificateArn === undefined
        ? undefined
        : certificateIdFromArn(identifier.deviceCertificateArn);
    const certificateId = fromId ?? fromArn;
    if (certificateId === undefined) return skip("no device certificate id in the finding");
    return certificateId.toLowerCase();
  }
}
