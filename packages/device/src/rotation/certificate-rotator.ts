import { readFile, rename, rm, stat } from "node:fs/promises";
import {
  certificateIdOf,
  parseMessage,
  type RotateCertificateStep,
  RotationCsrAcceptedSchema,
  RotationRejectedSchema,
  rotationTopics,
  type StatusDetails,
} from "@fleet/core/contracts";
import type { Logger } from "pino";
import type { Timers } from "../clock.ts";
import type { DeviceConnection, TlsFiles } from "../connection/device-connection.ts";
import { type Reply, replyField, requestReply } from "../connection/request-reply.ts";
import { DeviceError, ReplyTimeoutError, RotationError, type RotationStep } from "../errors.ts";
import type { StepContext, StepHandler, StepOutcome } from "../jobs/step-handler.ts";
import { writePrivateFile } from "../private-file.ts";
import {
  certificateMatchesKey,
  createCsrPem,
  generateDeviceKeyPem,
} from "../provisioning/key-material.ts";
import type { RotationFiles } from "./rotation-files.ts";
import {
  type RotationProgress,
  readRotationProgress,
  writeRotationProgress,
} from "./rotation-progress.ts";

export interface CertificateRotatorOptions {
  thingName: string;
  files: RotationFiles;
  connection: DeviceConnection;
  /** Longest wait for the backend's reply to the commit, and the first wait for the CSR's. */
  replyTimeoutMs: number;
  /**
   * Longest wait for the CSR's reply over every re-send, cut to the job's time left (less one
   * reply wait, to report FAILED in time). Default 15 minutes.
   */
  csrDeadlineMs?: number;
  timers: Timers;
  logger: Logger;
}

/**
 * The backend's CSR function is slow when many rotations start at once (the daily audit:
 * reserved concurrency 1, CA polling). Rotations have 60 minutes (stacks/certificates.ts).
 */
const ROTATOR_DEFAULTS = { csrDeadlineMs: 15 * 60_000 };

export interface CertificateRotator {
  /** The `rotate-certificate` step handler; the job id is the rotation id. */
  readonly handle: StepHandler<RotateCertificateStep>;
  /** Stops watching the connection for a refused new certificate. */
  stop(): void;
}

/**
 * Call before the device looks at its credentials or connects. Finishes a promotion a
 * restart interrupted (the old certificate is revoked then) and returns the files the first
 * connect uses: the new pair when it was issued but not committed, else the device's own.
 * Whenever the new pair is refused, the rotator falls back to the old one and records the
 * rotation as failed (`NewCertificateRefused`); its job then reports FAILED.
 */
export async function recoverRotation(files: RotationFiles, logger: Logger): Promise<TlsFiles> {
  const progress = await readRotationProgress(files.stateFile);
  if (progress?.step === "committed") {
    await promoteNextPair(files);
    await writeRotationProgress(files.stateFile, { ...progress, step: "done" });
    logger.info({ rotationId: progress.rotationId }, "rotation.promote");
  }
  if (progress?.step === "certificate") {
    logger.info({ rotationId: progress.rotationId }, "rotation.resume");
    return files.next;
  }
  return files.current;
}

/**
 * Renames the new pair over the device's own, which becomes `*.prev.pem`. Each rename is
 * skipped once done, so a promotion cut short by a crash can run again.
 */
async function promoteNextPair(files: RotationFiles): Promise<void> {
  const pairs = [
    [files.current.certFile, files.next.certFile, files.prev.certFile],
    [files.current.keyFile, files.next.keyFile, files.prev.keyFile],
  ] as const;
  for (const [current, next, prev] of pairs) {
    if (!(await exists(next))) continue;
    if (await exists(current)) await rename(current, prev);
    await rename(next, current);
  }
}

/**
 * The device's side of certificate rotation, run by the jobs agent for a `rotate-certificate`
 * job. Steps, each persisted in `rotation.json` so a restart resumes where it was:
 * 1. key: a new P-256 key in `key.next.pem` (0600).
 * 2. csr: CSR with CN = thing, published on `rot/{thing}/csr` over the OLD certificate.
 * 3. verify: the issued certificate must match the new key; written to `cert.next.pem`.
 * 4. switch: reconnect with the new pair (the old pair stays on disk).
 * 5. commit: `rot/{thing}/commit` over the NEW connection; the backend revokes the old one.
 * 6. promote: new pair renamed over the device's own, old pair kept as `*.prev.pem`.
 * The pair the connection uses is never deleted; any failure before the commit returns to
 * the old pair.
 */
export function createCertificateRotator(options: CertificateRotatorOptions): CertificateRotator {
  const { thingName, files, connection, timers, logger } = options;
  const topics = rotationTopics(thingName);

  const save = (progress: RotationProgress) => writeRotationProgress(files.stateFile, progress);

  const requestCertificate = async (
    rotationId: string,
    timeLeftMs: number | undefined,
  ): Promise<string> => {
    const keyPem = await readFile(files.next.keyFile, "utf8");
    const csrPem = await createCsrPem(thingName, keyPem);
    const deadlineMs = Math.min(
      options.csrDeadlineMs ?? ROTATOR_DEFAULTS.csrDeadlineMs,
      timeLeftMs === undefined ? Number.POSITIVE_INFINITY : timeLeftMs - options.replyTimeoutMs,
    );
    const reply = await resendUntilAnswered({
      waitsMs: csrWaits(options.replyTimeoutMs, deadlineMs),
      ask: (timeoutMs) =>
        requestReply({
          connection,
          topics: {
            request: topics.csr,
            accepted: topics.csrAccepted,
            rejected: topics.csrRejected,
          },
          payload: { rotationId, certificateSigningRequest: csrPem },
          timeoutMs,
          timers,
          matches: (payload) => replyField(payload, "rotationId") === rotationId,
        }),
      onResend: (attempt) => logger.info({ rotationId, attempt }, "rotation.csr-resend"),
    }).catch(failOnTimeout("csr"));
    if (reply.outcome === "rejected") {
      const rejected = parseMessage(RotationRejectedSchema, reply.payload, topics.csrRejected);
      throw new RotationError(rejected.errorMessage, {
        step: "csr",
        errorCode: rejected.errorCode,
      });
    }
    const { certificatePem } = parseMessage(
      RotationCsrAcceptedSchema,
      reply.payload,
      topics.csrAccepted,
    );
    if (!certificateMatchesKey(certificatePem, keyPem)) {
      throw new RotationError("the issued certificate does not match the new key", {
        step: "verify",
        errorCode: "CertificateMismatch",
      });
    }
    await writePrivateFile(files.next.certFile, certificatePem);
    return certificateIdOf(certificatePem);
  };

  const switchToNext = async () => {
    if (sameFiles(connection.credentials, files.next) && connection.state === "connected") return;
    switchingToNext = true;
    const outcome = await connection.switchCredentials(files.next).finally(() => {
      switchingToNext = false;
    });
    if (!outcome.accepted) {
      // Back on the old pair before the job reports FAILED over it.
      await connection.switchCredentials(files.current);
      // Timed out: the broker neither accepted nor refused it (see `switchTimeoutMs`).
      const verdict = outcome.timedOut === true ? "got no answer" : "was refused";
      throw new RotationError(`the new certificate ${verdict}: ${outcome.end.reason}`, {
        step: "switch",
        errorCode: outcome.timedOut === true ? "SwitchTimedOut" : "NewCertificateRefused",
      });
    }
  };

  /**
   * The new pair is refused (the backend gave up the rotation and deleted the certificate,
   * or it never became valid): go back to the old pair, which stays ACTIVE until a commit,
   * and record the rotation as failed so its job reports FAILED.
   */
  let switchingToNext = false;
  const onCertificateRefused = (refusal: { files: TlsFiles; reason: string }) => {
    // During `switchToNext` the refusal is its outcome, handled there.
    if (switchingToNext || !sameFiles(refusal.files, files.next)) return;
    logger.warn({ reason: refusal.reason }, "rotation.new-certificate-refused");
    const fallBack = async () => {
      const progress = await readRotationProgress(files.stateFile);
      // Once committed the old certificate is revoked: the new one is the only way back in.
      if (progress?.step === "committed" || progress?.step === "done") return;
      if (progress?.step === "certificate") {
        await save({ ...progress, step: "failed", errorCode: "NewCertificateRefused" });
      }
      await connection.switchCredentials(files.current);
    };
    fallBack().catch((error: unknown) =>
      logger.error({ reason: String(error) }, "rotation.fall-back-failed"),
    );
  };
  connection.events.on("certificateRefused", onCertificateRefused);

  const commit = async (rotationId: string) => {
    const reply = await requestReply({
      connection,
      topics: {
        request: topics.commit,
        accepted: topics.commitAccepted,
        rejected: topics.commitRejected,
      },
      payload: { rotationId },
      timeoutMs: options.replyTimeoutMs,
      timers,
      matches: (payload) => replyField(payload, "rotationId") === rotationId,
    });
    if (reply.outcome === "accepted") return;
    const rejected = parseMessage(RotationRejectedSchema, reply.payload, topics.commitRejected);
    // A commit replayed after a crash: the backend already revoked the old certificate.
    if (rejected.errorCode === "AlreadyCommitted") return;
    // The backend may have revoked the old certificate before failing: stay on the new one
    // and leave the job IN_PROGRESS, so the commit is sent again after the next connect.
    if (rejected.errorCode === "InternalError") {
      throw new DeviceError(`commit of rotation ${rotationId} failed: ${rejected.errorMessage}`);
    }
    // Not committed: the old certificate is still ACTIVE, so go back to it.
    await connection.switchCredentials(files.current);
    throw new RotationError(rejected.errorMessage, {
      step: "commit",
      errorCode: rejected.errorCode,
    });
  };

  const details = (progress: RotationProgress): StatusDetails => ({
    ...(progress.newCertificateId && { newCertificateId: progress.newCertificateId }),
  });

  /** Runs the steps from where `progress` stands; returns the final progress. */
  const advance = async (
    progress: RotationProgress,
    context: StepContext<RotateCertificateStep>,
  ) => {
    let current = progress;
    const reach = async (next: RotationProgress, step: RotationStep) => {
      await save(next);
      current = next;
      logger.info({ rotationId: next.rotationId, step }, `rotation.${step}`);
      await context.report(step, details(next));
    };
    if (current.step === "key") {
      const newCertificateId = await requestCertificate(current.rotationId, context.timeLeftMs);
      await reach({ ...current, step: "certificate", newCertificateId }, "verify");
    }
    if (current.step === "certificate") {
      await switchToNext();
      await context.report("switch", details(current));
      await commit(current.rotationId);
      await save({ ...current, step: "committed" });
      current = { ...current, step: "committed" };
      logger.info({ rotationId: current.rotationId }, "rotation.commit");
    }
    if (current.step === "committed") {
      await promoteNextPair(files);
      // Same content as the connection's next files, under the device's own names.
      connection.setCredentials(files.current);
      current = { ...current, step: "done" };
      await save(current);
      logger.info({ rotationId: current.rotationId }, "rotation.promote");
    }
    return current;
  };

  const begin = async (rotationId: string, jobId: string) => {
    // The new pair of an abandoned rotation is replaced; leave it first if it is in use.
    if (sameFiles(connection.credentials, files.next)) {
      const outcome = await connection.switchCredentials(files.current);
      if (!outcome.accepted) {
        throw new RotationError(`the old certificate was refused: ${outcome.end.reason}`, {
          step: "key",
          errorCode: "OldCertificateRefused",
        });
      }
    }
    await rm(files.next.certFile, { force: true });
    await writePrivateFile(files.next.keyFile, await generateDeviceKeyPem());
    await save({ rotationId, jobId, step: "key" });
    logger.info({ rotationId, step: "key" }, "rotation.key");
  };

  const handle: StepHandler<RotateCertificateStep> = async (context): Promise<StepOutcome> => {
    // The job id names the rotation (the backend creates the job with jobId = rotationId).
    const { jobId } = context;
    const rotationId = jobId;
    const stored = await readRotationProgress(files.stateFile);
    let progress: RotationProgress =
      stored?.rotationId === rotationId ? stored : { rotationId, jobId, step: "key" };
    try {
      if (stored?.rotationId !== rotationId) await begin(rotationId, jobId);
      if (progress.step === "key") await context.report("key", details(progress));
      progress = await advance(progress, context);
    } catch (error) {
      if (!(error instanceof RotationError)) throw error;
      logger.warn(
        { rotationId, step: error.step, errorCode: error.errorCode, reason: error.message },
        "rotation.failed",
      );
      progress = { ...progress, step: "failed", errorCode: error.errorCode };
      await save(progress);
      return {
        status: "failed",
        reason: error.message,
        details: { phase: error.step, errorCode: error.errorCode },
      };
    }
    if (progress.step === "failed") {
      const errorCode = progress.errorCode ?? "DeviceError";
      return {
        status: "failed",
        reason: `rotation failed: ${errorCode}`,
        details: { errorCode },
      };
    }
    return { status: "succeeded", details: { ...details(progress), phase: "promote" } };
  };

  return {
    handle,
    stop() {
      connection.events.off("certificateRefused", onCertificateRefused);
    },
  };
}

/**
 * Waits for the CSR's reply: the first `replyTimeoutMs`, each later one twice the last, the
 * last cut so that all of them fit `deadlineMs` (at least the first is always made). Doubling
 * keeps a slow backend's queue from filling with copies of the same CSR.
 */
export function csrWaits(replyTimeoutMs: number, deadlineMs: number): number[] {
  const waits = [replyTimeoutMs];
  let total = replyTimeoutMs;
  while (total < deadlineMs) {
    const next = Math.min(2 * (waits.at(-1) ?? replyTimeoutMs), deadlineMs - total);
    waits.push(next);
    total += next;
  }
  return waits;
}

/**
 * Sends the same request again each time a wait ends without a reply; a late reply to an
 * earlier send still answers a later one. The backend is idempotent: a CSR of a rotation
 * already issued gets the same certificate again (core's sign-rotation-csr, step 3).
 */
async function resendUntilAnswered(options: {
  waitsMs: number[];
  ask: (timeoutMs: number) => Promise<Reply>;
  onResend: (attempt: number) => void;
}): Promise<Reply> {
  const { waitsMs, ask } = options;
  for (const [index, timeoutMs] of waitsMs.slice(0, -1).entries()) {
    try {
      return await ask(timeoutMs);
    } catch (error) {
      if (!(error instanceof ReplyTimeoutError)) throw error;
    }
    options.onResend(index + 2);
  }
  return ask(waitsMs.at(-1) ?? 0);
}

function failOnTimeout(step: RotationStep) {
  return (error: unknown): never => {
    if (error instanceof ReplyTimeoutError) {
      throw new RotationError(error.message, { step, errorCode: "Timeout" }, { cause: error });
    }
    throw error;
  };
}

function sameFiles(a: TlsFiles, b: TlsFiles): boolean {
  return a.certFile === b.certFile && a.keyFile === b.keyFile;
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}
