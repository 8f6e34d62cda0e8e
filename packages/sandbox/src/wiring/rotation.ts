import { join } from "node:path";
import {
  type ControlPlaneLimiter,
  type RotationModule,
  type RotationRecord,
  rotationModule,
} from "@fleet/core";
import type { Logger } from "pino";
import { LocalAuditFindings } from "../adapters/local-audit-findings.ts";
import { LocalJobStarter } from "../adapters/local-job-starter.ts";
import { LocalRotationStore } from "../adapters/local-rotation-store.ts";
import type { IotRegistry } from "../iot-core/registry.ts";
import { RotationRequests } from "../iot-core/rotation-requests.ts";
import type { JobStore } from "../jobs/job-store.ts";
import { createAuditExpiringCertificates } from "../rotation/audit-expiring-certificates.ts";
import type { DevicePorts } from "./device-ports.ts";

export interface SandboxRotation {
  module: RotationModule;
  /** Every rotation (`<stateDir>/rotations.json`). */
  rotations: LocalRotationStore;
  /** The two rotation rules (`rot/+/csr`, `rot/+/commit`), for the broker. */
  requests: RotationRequests;
  /** The audit and its follow-up: rotates every device whose certificate in use expires soon. */
  startExpiringRotations(withinMs: number): Promise<RotationRecord[]>;
}

/**
 * Certificate rotation through core's rotation module, over the local ports and within the
 * control-plane budget; the audit is the sandbox's Device Defender (`LocalAuditFindings`)
 * followed by core's audit use case, as a stage's audit topic and function do.
 */
export function wireRotation(
  ports: DevicePorts,
  options: {
    stateDir: string;
    registry: IotRegistry;
    jobs: JobStore;
    /** The certificate the thing's live session connected with; undefined while offline. */
    connectedCertificateId(thingName: string): string | undefined;
    limiter: ControlPlaneLimiter;
    deadlineMs: number;
    validityMs: number;
    clock: () => Date;
    logger: Logger;
  },
): SandboxRotation {
  const { registry, clock } = options;
  const rotations = new LocalRotationStore(join(options.stateDir, "rotations.json"));
  const auditor = new LocalAuditFindings({
    thingNames: () => registry.listThings().map((thing) => thing.thingName),
    registry: ports.registry,
    connectedCertificateId: options.connectedCertificateId,
    clock,
  });
  const module = rotationModule({
    rotations,
    registry: ports.registry,
    jobs: new LocalJobStarter(options.jobs),
    issuer: ports.issuer,
    revoker: ports.revoker,
    findings: auditor,
    limiter: options.limiter,
    clock,
    logger: options.logger,
    deadlineMs: options.deadlineMs,
    validityMs: options.validityMs,
  });
  return {
    module,
    rotations,
    requests: new RotationRequests({ signCsr: module.signCsr, commit: module.commit }),
    startExpiringRotations: createAuditExpiringCertificates({
      auditor,
      rotateExpiring: module.rotateExpiring,
      rotations,
    }),
  };
}
