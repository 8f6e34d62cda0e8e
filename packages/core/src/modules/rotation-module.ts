import type { AuditFindings } from "../ports/audit-findings.ts";
import type { CertificateIssuer } from "../ports/certificate-issuer.ts";
import type { CertificateRevoker } from "../ports/certificate-revoker.ts";
import type { DeviceRegistry } from "../ports/device-registry.ts";
import type { JobStarter } from "../ports/job-starter.ts";
import type { RotationStore } from "../ports/rotation-store.ts";
import type { ControlPlaneLimiter } from "../rate-limit/control-plane-limiter.ts";
import { createCommitRotation } from "../use-cases/commit-rotation.ts";
import type { UseCaseLogger } from "../use-cases/logger.ts";
import { createRotateExpiringCertificates } from "../use-cases/rotate-expiring-certificates.ts";
import { createSignRotationCsr } from "../use-cases/sign-rotation-csr.ts";
import { createStartRotation } from "../use-cases/start-rotation.ts";
import { createSweepRotations } from "../use-cases/sweep-rotations.ts";
import { lazyMembers } from "./lazy-members.ts";
import { paced } from "./paced.ts";

/**
 * What certificate rotation runs on: a stage's DynamoDB table, AWS IoT, its job template, ACM
 * Private CA and Device Defender; or the sandbox's files, registry, jobs, CA and auditor.
 */
export interface RotationPorts {
  rotations: RotationStore;
  registry: DeviceRegistry;
  /** Creates and cancels the rotation jobs (start, sweep). */
  jobs: JobStarter;
  /** Issues the new certificate of a rotation CSR. */
  issuer: CertificateIssuer;
  /** The private CA retiring old, abandoned and lost-race certificates (commit, CSR, sweep). */
  revoker?: CertificateRevoker;
  /** The expiring-certificate check's findings (the audit). */
  findings: AuditFindings;
  /** Paces every registry, job, issue and revoke call; none when absent. */
  limiter?: ControlPlaneLimiter;
  clock: () => Date;
  logger?: UseCaseLogger;
  /** How long a device has to commit before the sweeper abandons the rotation. */
  deadlineMs: number;
  /** Validity of a rotated certificate. */
  validityMs: number;
}

export interface RotationModule {
  /** Starts the thing's rotation, or returns the one under way (`createStartRotation`). */
  readonly start: ReturnType<typeof createStartRotation>;
  /** Answers a device's rotation CSR (`createSignRotationCsr`). */
  readonly signCsr: ReturnType<typeof createSignRotationCsr>;
  /** Answers a device's commit (`createCommitRotation`). */
  readonly commit: ReturnType<typeof createCommitRotation>;
  /** Ends the rotations past their deadline (`createSweepRotations`). */
  readonly sweep: ReturnType<typeof createSweepRotations>;
  /** Turns an audit's expiring-certificate findings into rotations (`createRotateExpiringCertificates`). */
  readonly rotateExpiring: ReturnType<typeof createRotateExpiringCertificates>;
}

/**
 * Certificate rotation, wired once for a stage and the sandbox alike. Each use case is built on
 * first read from only the ports it takes, so a caller reading one needs only its ports.
 */
export function rotationModule(ports: RotationPorts): RotationModule {
  const module: RotationModule = lazyMembers<RotationModule>({
    start: () =>
      createStartRotation({
        rotations: ports.rotations,
        registry: paced(ports.registry, ports.limiter),
        jobs: paced(ports.jobs, ports.limiter),
        clock: ports.clock,
        deadlineMs: ports.deadlineMs,
        logger: ports.logger,
      }),
    signCsr: () =>
      createSignRotationCsr({
        rotations: ports.rotations,
        registry: paced(ports.registry, ports.limiter),
        issuer: paced(ports.issuer, ports.limiter),
        revoker: pacedRevoker(ports),
        validityMs: ports.validityMs,
        clock: ports.clock,
        logger: ports.logger,
      }),
    commit: () =>
      createCommitRotation({
        rotations: ports.rotations,
        registry: paced(ports.registry, ports.limiter),
        revoker: pacedRevoker(ports),
        clock: ports.clock,
        logger: ports.logger,
      }),
    sweep: () =>
      createSweepRotations({
        rotations: ports.rotations,
        registry: paced(ports.registry, ports.limiter),
        jobs: paced(ports.jobs, ports.limiter),
        revoker: pacedRevoker(ports),
        clock: ports.clock,
        logger: ports.logger,
      }),
    rotateExpiring: () => {
      const { start } = module;
      return createRotateExpiringCertificates({
        findings: ports.findings,
        registry: paced(ports.registry, ports.limiter),
        // `created`: whether this call started the rotation, or found the thing's running one.
        startRotation: async (thingName, certificateId) => {
          const running = await ports.rotations.activeFor(thingName);
          const record = running ?? (await start(thingName, certificateId));
          return { rotationId: record.rotationId, created: running === null };
        },
        clock: ports.clock,
        logger: ports.logger,
      });
    },
  });
  return module;
}

function pacedRevoker(ports: RotationPorts): CertificateRevoker | undefined {
  const { revoker } = ports;
  return revoker === undefined ? undefined : paced(revoker, ports.limiter);
}
