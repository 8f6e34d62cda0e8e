import {
  CreateCertificateFromCsrAcceptedSchema,
  createCertificateFromCsrTopics,
  RegisterThingAcceptedSchema,
  registerThingTopics,
  SERIAL_PARAMETER,
} from "@fleet/core/contracts";
import type { Logger } from "pino";
import type { TimerHandle, Timers } from "../clock.ts";
import { createBackoff } from "../connection/backoff.ts";
import type { OpenSession, SessionTarget } from "../connection/session.ts";
import { ProvisioningError, ProvisioningRejectedError } from "../errors.ts";
import { openClaimSession } from "./claim-session.ts";
import type { CredentialStore } from "./credential-store.ts";
import { certificateMatchesKey, createCsrPem, generateDeviceKeyPem } from "./key-material.ts";
import type { ProvisioningState } from "./provisioning-state.ts";

export interface ProvisioningResult {
  thingName: string;
  certificateId: string;
}

/** A failed attempt, as logged and emitted; `delayMs` is the wait before the next one. */
export interface ProvisioningFailure {
  attempt: number;
  step: ProvisioningError["step"];
  reason: string;
  statusCode?: number;
  errorCode?: string;
  errorMessage?: string;
  delayMs: number;
}

export interface ProvisionByClaimOptions {
  serial: string;
  /** The thing the template must register (`thingNameFromSerial(serial)`). */
  thingName: string;
  templateName: string;
  /** The claim session: claim certificate and key, client id `claimClientId(serial)`. */
  claimTarget: SessionTarget;
  /** Longest wait for CONNACK+SUBACK and for each reply. */
  replyTimeoutMs: number;
  retry: { initialDelayMs: number; maxDelayMs: number };
  store: CredentialStore;
  openSession: OpenSession;
  logger: Logger;
  timers: Timers;
  random: () => number;
  onState?: (state: ProvisioningState) => void;
  onFailure?: (failure: ProvisioningFailure) => void;
}

export interface Provisioner {
  readonly state: ProvisioningState | undefined;
  /**
   * Provisions until it succeeds: resolves with the thing once its certificate is stored,
   * or with `null` when `stop()` ended it. Rejects only for local faults no retry can fix
   * (the key or certificate cannot be written).
   */
  run(): Promise<ProvisioningResult | null>;
  /**
   * Cancels the pending retry or closes the claim session; resolves once `run()` has settled
   * (with `null`), so nothing is written after it.
   */
  stop(): Promise<void>;
}

/**
 * Provisioning by claim (AWS IoT fleet provisioning, CreateCertificateFromCsr + RegisterThing):
 * 1. Store a new P-256 key, or reuse the one an unfinished attempt stored (see resume below).
 * 2. Connect with the claim certificate; subscribe to both APIs' replies.
 * 3. CreateCertificateFromCsr with a CSR for `CN=<serial>`; check the certificate is for our key.
 * 4. RegisterThing with `{ SerialNumber }`; the pre-provisioning hook decides.
 * 5. Store the certificate (atomic, 0600), disconnect the claim session.
 * A refused connection, a `/rejected` reply (e.g. the hook's ACCESS_DENIED while the serial is
 * not yet allow-listed), a timeout or a lost connection logs the reason and retries the whole
 * exchange after a full-jitter backoff.
 *
 * Resume: the key is written before the CSR leaves the device and the certificate only after
 * RegisterThing accepted it, so after a crash the device finds its key without a certificate
 * and asks for a new certificate for the same key. A certificate issued before the crash stays
 * PENDING_ACTIVATION and AWS IoT deletes it when its ownership token expires (one hour). A
 * crash between RegisterThing's reply and the certificate write leaves one extra ACTIVE
 * certificate on the thing, usable only with this device's key; it goes with the thing when
 * the serial leaves the allow-list.
 */
export function createProvisioner(options: ProvisionByClaimOptions): Provisioner {
  const { logger, timers, store } = options;
  const backoff = createBackoff({ ...options.retry, random: options.random });
  const csrTopics = createCertificateFromCsrTopics();
  const registerTopics = registerThingTopics(options.templateName);
  let state: ProvisioningState | undefined;
  let stopped = false;
  let retryTimer: TimerHandle | undefined;
  let wakeUp: (() => void) | undefined;
  let closeSession: (() => Promise<void>) | undefined;
  let running: Promise<ProvisioningResult | null> | undefined;

  const enter = (to: ProvisioningState, fields: Record<string, unknown> = {}) => {
    state = to;
    logger.info({ state: to, ...fields }, `provisioning.${to}`);
    options.onState?.(to);
  };

  const prepareKey = async (): Promise<string> => {
    enter("preparing-key");
    if ((await store.state()) === "key-only") {
      logger.info({}, "provisioning.resuming");
      return store.readKey();
    }
    const keyPem = await generateDeviceKeyPem();
    await store.writeKey(keyPem);
    return keyPem;
  };

  const attempt = async (keyPem: string): Promise<ProvisioningResult> => {
    enter("connecting", { attempt: backoff.attempt, clientId: options.claimTarget.clientId });
    const session = openClaimSession({
      target: options.claimTarget,
      replyTopics: [
        csrTopics.accepted,
        csrTopics.rejected,
        registerTopics.accepted,
        registerTopics.rejected,
      ],
      openSession: options.openSession,
      timers,
      timeoutMs: options.replyTimeoutMs,
    });
    closeSession = session.close;
    try {
      await session.ready;
      enter("requesting-certificate");
      const certificate = await session.request(
        "create-certificate",
        csrTopics,
        { certificateSigningRequest: await createCsrPem(options.serial, keyPem) },
        CreateCertificateFromCsrAcceptedSchema,
      );
      if (!certificateMatchesKey(certificate.certificatePem, keyPem)) {
        throw new ProvisioningError(
          `certificate ${certificate.certificateId} is not for the device key`,
          { step: "create-certificate" },
        );
      }
      enter("registering-thing", { certificateId: certificate.certificateId });
      const registered = await session.request(
        "register-thing",
        registerTopics,
        {
          certificateOwnershipToken: certificate.certificateOwnershipToken,
          parameters: { [SERIAL_PARAMETER]: options.serial },
        },
        RegisterThingAcceptedSchema,
      );
      if (registered.thingName !== options.thingName) {
        throw new ProvisioningError(
          `the template registered thing "${registered.thingName}", expected "${options.thingName}"`,
          { step: "register-thing" },
        );
      }
      enter("storing", { certificateId: certificate.certificateId });
      await store.writeCertificate(certificate.certificatePem);
      return { thingName: registered.thingName, certificateId: certificate.certificateId };
    } finally {
      closeSession = undefined;
      await session.close();
    }
  };

  const pause = (delayMs: number) =>
    new Promise<void>((resolve) => {
      wakeUp = resolve;
      retryTimer = timers.setTimeout(resolve, delayMs);
    }).finally(() => {
      retryTimer = undefined;
      wakeUp = undefined;
    });

  const failed = (error: ProvisioningError): ProvisioningFailure => {
    const failure: ProvisioningFailure = {
      attempt: backoff.attempt,
      step: error.step,
      reason: error.message,
      ...(error instanceof ProvisioningRejectedError
        ? {
            statusCode: error.statusCode,
            errorCode: error.errorCode,
            errorMessage: error.errorMessage,
          }
        : {}),
      delayMs: backoff.next(),
    };
    logger.warn(failure, "provisioning.failed");
    options.onFailure?.(failure);
    return failure;
  };

  return {
    get state() {
      return state;
    },
    run() {
      running ??= provision();
      return running;
    },
    async stop() {
      stopped = true;
      if (retryTimer !== undefined) timers.clearTimeout(retryTimer);
      wakeUp?.();
      await closeSession?.();
      // Its failure is reported to whoever awaits run().
      await running?.catch(() => undefined);
    },
  };

  async function provision(): Promise<ProvisioningResult | null> {
    const keyPem = await prepareKey();
    while (!stopped) {
      try {
        const result = await attempt(keyPem);
        enter("provisioned", { ...result });
        return result;
      } catch (error) {
        if (!(error instanceof ProvisioningError)) throw error;
        if (stopped) break;
        const { delayMs } = failed(error);
        enter("backoff", { attempt: backoff.attempt, delayMs });
        await pause(delayMs);
      }
    }
    return null;
  }
}
