import type { ReleaseRecord } from "@fleet/core/contracts";
import type { Command } from "commander";
import { readArtifactFile } from "../app-artifact-file.ts";
import { UsageError } from "../errors.ts";
import { printRecord } from "../output/print-record.ts";
import { type Column, printRows } from "../output/print-rows.ts";
import { readSigningKeyFile } from "../signing-key-file.ts";
import { fleetOperationsFor } from "../targets/fleet-operations-for.ts";
import type { Target } from "../targets/target.ts";
import {
  printOrWait,
  RELEASE_FIELDS,
  type RolloutOptions,
  rolloutRequest,
  withRolloutOptions,
} from "./rollout-options.ts";
import { resolveTarget, type TargetOptions, withTargetOptions } from "./target-options.ts";

export const RELEASE_COLUMNS: readonly Column<ReleaseRecord>[] = [
  { header: "release", value: (r) => r.releaseId },
  { header: "app", value: (r) => r.app },
  { header: "version", value: (r) => r.version },
  { header: "phase", value: (r) => r.phase },
  { header: "canary job", value: (r) => r.canaryJobId ?? "-" },
  { header: "fleet job", value: (r) => r.fleetJobId ?? "-" },
  { header: "reason", value: (r) => r.reason ?? "", flexible: true },
];

interface ReleaseOptions extends TargetOptions, RolloutOptions {
  artifact: string;
  signingKey?: string;
}

export function registerOtaCommand(program: Command): void {
  const ota = program
    .command("ota")
    .description("over-the-air updates: release an app artifact to the fleet, canary first");

  withTargetOptions(
    withRolloutOptions(
      ota
        .command("release")
        .description(
          "validate an app artifact (.tar.gz with app.json), upload it and roll it out as IoT jobs",
        )
        .requiredOption("--artifact <file>", "the app artifact (.tar.gz with app.json at its root)")
        .option(
          "--signing-key <file>",
          "the release private key (Ed25519 PEM) a stage's devices verify artifacts with; the sandbox signs with its own",
        ),
      "release",
    ),
  ).action(releaseArtifact);

  withTargetOptions(
    ota
      .command("cancel <releaseId>")
      .description(
        "stop a release: its job's queued executions are canceled (running ones finish unless --force)",
      )
      .option("--force", "also cancel executions in progress (devices may be mid-update)", false)
      .option("--json", "print the release as JSON", false),
  ).action(
    async (releaseId: string, options: TargetOptions & { force: boolean; json: boolean }) => {
      const fleet = await fleetOperationsFor(resolveTarget(options));
      const release = await fleet.cancelRelease({ releaseId, force: options.force });
      printRecord(release, RELEASE_FIELDS, { json: options.json });
    },
  );

  withTargetOptions(
    ota
      .command("rollback")
      .description(
        "re-release the version before the app's current one to the same targets, straight to the fleet",
      )
      .option("--app <name>", "the app to roll back (default: the newest release's)")
      .option("--json", "print the new release as JSON", false),
  ).action(async (options: TargetOptions & { app?: string; json: boolean }) => {
    const fleet = await fleetOperationsFor(resolveTarget(options));
    const release = await fleet.rollbackRelease(
      options.app === undefined ? {} : { app: options.app },
    );
    printRecord(release, RELEASE_FIELDS, { json: options.json });
  });

  withTargetOptions(
    ota
      .command("releases")
      .description("list releases, newest first: phase, canary and fleet jobs, reason")
      .option("--json", "print a JSON array instead of a table", false),
  ).action(async (options: TargetOptions & { json: boolean }) => {
    const fleet = await fleetOperationsFor(resolveTarget(options));
    printRows(await fleet.listReleases(), RELEASE_COLUMNS, { json: options.json });
  });
}

/**
 * `fleet ota release`: the flags and the artifact are checked here, before the target is asked
 * anything; the target stores the artifact and creates the release and its first job.
 */
async function releaseArtifact(options: ReleaseOptions): Promise<void> {
  const request = rolloutRequest(options);
  const target = resolveTarget(options);
  const progress = (message: string) => process.stderr.write(`fleet: ${message}\n`);
  const signing = await signingFor(target, options.signingKey);
  if (signing !== undefined) progress(`signing with release key ${signing.keyId}`);

  progress(`reading ${options.artifact}`);
  const artifact = await readArtifactFile(options.artifact);
  progress(
    `${artifact.manifest.name} ${artifact.manifest.version}: ${artifact.size} bytes, sha256 ${artifact.sha256}`,
  );
  const fleet = await fleetOperationsFor(target, { signer: signing?.signer, progress });
  const release = await fleet.createRelease({ artifactPath: artifact.path, ...request });
  await printOrWait(fleet, target, release, options);
}

/**
 * A stage's releases are signed with the operator's key file; the sandbox signs with the key
 * its devices trust (`<stateDir>/release-key/`), so the demo release needs no flag.
 */
async function signingFor(target: Target, signingKey: string | undefined) {
  if (target.kind === "sandbox") {
    if (signingKey === undefined) return undefined;
    throw new UsageError(
      "--signing-key is for a stage: the sandbox signs with its own release key, the one its devices trust",
    );
  }
  if (signingKey === undefined) {
    throw new UsageError(
      `--signing-key FILE is required with --stage: the release private key whose public key the stage's devices trust`,
    );
  }
  return readSigningKeyFile(signingKey);
}
