/**
 * How an operator configures a stage's device certificates: environment variables read by
 * `sst deploy` (sst.config.ts), like stacks/telemetry-config.ts.
 *
 * - `FLEET_CA_ARN`: an existing ACM Private CA (EC P-256, ACTIVE) to issue from; the stack then
 *   creates no CA. Unset: the stack creates a root CA of its own.
 * - `FLEET_CA_MODE`: usage mode of the created CA, `general-purpose` (default) or `short-lived`.
 *   It cannot change on an existing CA (a new mode is a new CA): prod refuses that deploy, its
 *   CA being protected (stacks/retention.ts), so choose before the first prod deploy.
 *   The cost trade-off (ACM Private CA pricing, per CA and month, plus per certificate):
 *   a general-purpose CA costs about $400 a month and issues certificates of any validity;
 *   a short-lived-certificate CA costs about $50 a month but issues certificates valid 7 days
 *   at most. Device Defender's expiring check takes a threshold of at least 30 days, so with
 *   short-lived certificates every certificate is flagged at every daily audit: devices rotate
 *   daily and a device offline for more than the validity loses its credential. Choose
 *   short-lived for a fleet that is always online and small enough to rotate every day;
 *   general-purpose otherwise.
 * - `FLEET_CERT_VALIDITY_DAYS`: validity of issued device certificates (default 365 for
 *   general-purpose, 7 for short-lived; short-lived allows 1..7). A general-purpose validity
 *   must exceed the threshold, or every certificate would be rotated at once.
 * - `FLEET_ROTATION_THRESHOLD_DAYS`: the audit flags certificates expiring within this many
 *   days (default 30; Device Defender accepts 30..3652).
 * - `FLEET_CONTROL_PLANE_CALLS_PER_SECOND`: most AWS IoT and ACM Private CA calls the rotation
 *   functions start within any second, all together (default 10, at least 4: one per function).
 *   `controlPlaneShares` splits it between them; each runs one instance at a time (reserved
 *   concurrency 1), so their sum is the stage's ceiling.
 */

export type CaMode = "general-purpose" | "short-lived";

export interface CertificatesConfig {
  /** An existing CA to issue from; undefined: the stack creates one. */
  existingCaArn: string | undefined;
  caMode: CaMode;
  validityDays: number;
  rotationThresholdDays: number;
  controlPlaneCallsPerSecond: number;
}

/** ACM Private CA's limit for short-lived-certificate mode. */
export const SHORT_LIVED_MAX_VALIDITY_DAYS = 7;

export const CERTIFICATES_CONFIG_DEFAULTS = {
  caMode: "general-purpose",
  generalPurposeValidityDays: 365,
  rotationThresholdDays: 30,
  controlPlaneCallsPerSecond: 10,
} as const;

/** The rotation functions that share the control-plane budget. */
export type ControlPlaneShares = Record<
  "auditNotification" | "rotationCsr" | "rotationCommit" | "rotationSweeper",
  number
>;

/**
 * Weights by the calls each function makes per rotation: the CSR signs, registers and attaches
 * (the most), starting a rotation and committing one take a few, the sweeper acts only on
 * stalled rotations. Starting gets less than signing, so a fleet-wide audit never queues
 * rotations faster than they can be signed.
 */
const SHARE_WEIGHTS: ControlPlaneShares = {
  auditNotification: 2,
  rotationCsr: 5,
  rotationCommit: 2,
  rotationSweeper: 1,
};

/**
 * Splits `total` calls/s (at least one per function) between the rotation functions: one each,
 * the rest by weight, rounded down so that the sum never exceeds `total`.
 */
export function controlPlaneShares(total: number): ControlPlaneShares {
  const weights = Object.entries(SHARE_WEIGHTS);
  const weightSum = weights.reduce((sum, [, weight]) => sum + weight, 0);
  const rest = total - weights.length;
  const entries = weights.map(([name, weight]) => [
    name,
    1 + Math.floor((rest * weight) / weightSum),
  ]);
  return Object.fromEntries(entries) as ControlPlaneShares;
}

export class InvalidCertificatesConfigError extends Error {
  readonly variable: string;
  constructor(variable: string, message: string) {
    super(`${variable}: ${message}`);
    this.name = "InvalidCertificatesConfigError";
    this.variable = variable;
  }
}

type Env = Record<string, string | undefined>;

const CA_ARN_PATTERN =
  /^arn:aws[a-z-]*:acm-pca:[a-z0-9-]+:\d{12}:certificate-authority\/[0-9a-f-]+$/;

function integer(env: Env, variable: string, min: number, max: number): number | undefined {
  const raw = env[variable]?.trim();
  if (!raw) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InvalidCertificatesConfigError(
      variable,
      `expected an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`,
    );
  }
  return value;
}

export function certificatesConfigFromEnv(env: Env = process.env): CertificatesConfig {
  const controlPlaneCallsPerSecond =
    integer(env, "FLEET_CONTROL_PLANE_CALLS_PER_SECOND", 4, 1000) ??
    CERTIFICATES_CONFIG_DEFAULTS.controlPlaneCallsPerSecond;
  const existingCaArn = env.FLEET_CA_ARN?.trim() || undefined;
  if (existingCaArn !== undefined && !CA_ARN_PATTERN.test(existingCaArn)) {
    throw new InvalidCertificatesConfigError(
      "FLEET_CA_ARN",
      `expected an ACM Private CA ARN (arn:aws:acm-pca:<region>:<account>:certificate-authority/<id>), got ${JSON.stringify(existingCaArn)}`,
    );
  }
  const rawMode = env.FLEET_CA_MODE?.trim() || CERTIFICATES_CONFIG_DEFAULTS.caMode;
  if (rawMode !== "general-purpose" && rawMode !== "short-lived") {
    throw new InvalidCertificatesConfigError(
      "FLEET_CA_MODE",
      `expected "general-purpose" or "short-lived", got ${JSON.stringify(rawMode)}`,
    );
  }
  const caMode: CaMode = rawMode;
  const rotationThresholdDays =
    integer(env, "FLEET_ROTATION_THRESHOLD_DAYS", 30, 3652) ??
    CERTIFICATES_CONFIG_DEFAULTS.rotationThresholdDays;
  if (caMode === "short-lived") {
    const validityDays =
      integer(env, "FLEET_CERT_VALIDITY_DAYS", 1, SHORT_LIVED_MAX_VALIDITY_DAYS) ??
      SHORT_LIVED_MAX_VALIDITY_DAYS;
    return {
      existingCaArn,
      caMode,
      validityDays,
      rotationThresholdDays,
      controlPlaneCallsPerSecond,
    };
  }
  const validityDays =
    integer(env, "FLEET_CERT_VALIDITY_DAYS", 1, 3650) ??
    CERTIFICATES_CONFIG_DEFAULTS.generalPurposeValidityDays;
  if (validityDays <= rotationThresholdDays) {
    throw new InvalidCertificatesConfigError(
      "FLEET_CERT_VALIDITY_DAYS",
      `a validity of ${validityDays} days is within the rotation threshold of ${rotationThresholdDays} days: every certificate would be rotated at once (use FLEET_CA_MODE=short-lived for daily rotation)`,
    );
  }
  return { existingCaArn, caMode, validityDays, rotationThresholdDays, controlPlaneCallsPerSecond };
}
