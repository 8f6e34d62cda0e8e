import { DEFAULT_MAX_REVOKE_PCT } from "@fleet/core";
import type { AllowListUploadReport } from "@fleet/core/contracts";
import type { Command } from "commander";
import { readAllowListBytes } from "../allow-list-file.ts";
import { CliError } from "../errors.ts";
import { printRows } from "../output/print-rows.ts";
import { parsePercentOption } from "../percent-option.ts";
import { fleetOperationsFor } from "../targets/fleet-operations-for.ts";
import type { Target } from "../targets/target.ts";
import { resolveTarget, type TargetOptions, withTargetOptions } from "./target-options.ts";

/** The stored version, and the reconcile the sandbox ran at once (null on a stage). */
type Uploaded = { version: string; reconcile: AllowListUploadReport["reconcile"] };

interface UploadOptions extends TargetOptions {
  dryRun: boolean;
  allowEmpty: boolean;
  yes: boolean;
  maxRevokePct?: string;
  json: boolean;
}

export function registerAllowListCommand(program: Command): void {
  const allowlist = program
    .command("allowlist")
    .description("the serial numbers allowed to provision (removing one revokes that device)");

  withTargetOptions(
    allowlist
      .command("upload <file>")
      .description("validate a list (text/CSV or JSON), show the diff, and upload it")
      .option("--dry-run", "validate and show the diff, upload nothing", false)
      .option("--allow-empty", "accept an empty list (it revokes every device)", false)
      .option(
        "--yes",
        "confirm a list that removes more than --max-revoke-pct of the current one (those devices are revoked)",
        false,
      )
      .option(
        "--max-revoke-pct <p>",
        `the share of the current list an upload may remove without --yes (default ${DEFAULT_MAX_REVOKE_PCT})`,
      )
      .option("--json", "print the result as JSON", false),
  ).action(async (file: string, options: UploadOptions) => {
    await uploadAllowList(file, options);
  });

  withTargetOptions(
    allowlist
      .command("show")
      .description("print the current allow-list")
      .option("--json", "print { version, count, serials } as JSON", false),
  ).action(async (options: TargetOptions & { json: boolean }) => {
    const target = resolveTarget(options);
    const fleet = await fleetOperationsFor(target);
    const { version, count, serials } = await fleet.readAllowList();
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ version, count, serials }, null, 2)}\n`);
      return;
    }
    if (version === null) {
      process.stdout.write(`no allow-list has been uploaded to ${describeTarget(target)}\n`);
      return;
    }
    printRows(
      serials.map((serial) => ({ serial })),
      [{ header: "serial", value: (row) => row.serial }],
      { json: false },
    );
    process.stdout.write(`${count} serials, version ${version}\n`);
  });
}

/**
 * The target parses, validates and diffs the list, and unless --dry-run stores it: the sandbox
 * reconciles at once, a stage on the S3 event. What it reports is printed as it is.
 */
async function uploadAllowList(file: string, options: UploadOptions): Promise<void> {
  const body = await readAllowListBytes(file);
  const target = resolveTarget(options);
  const fleet = await fleetOperationsFor(target);
  const report = await fleet.uploadAllowList({
    body,
    allowEmpty: options.allowEmpty,
    dryRun: options.dryRun,
    confirmRevocations: options.yes,
    ...(options.maxRevokePct === undefined
      ? {}
      : { maxRevokePct: parsePercentOption("--max-revoke-pct", options.maxRevokePct) }),
  });
  const uploaded =
    report.version === null ? null : { version: report.version, reconcile: report.reconcile };
  const description = describeTarget(target);
  if (options.json) {
    const { format, serials, duplicates, currentVersion, diff } = report;
    process.stdout.write(
      `${JSON.stringify(
        { file, format, serials, duplicates, target: description, currentVersion, diff, uploaded },
        null,
        2,
      )}\n`,
    );
  } else {
    printUploadReport(file, report, description, uploaded);
  }
  const failures = uploaded?.reconcile?.failures.length ?? 0;
  if (failures > 0) {
    throw new CliError(
      `the list was uploaded, but reconcile failed for ${failures} devices (see above)`,
    );
  }
}

function describeTarget(target: Target): string {
  return target.kind === "sandbox" ? `the sandbox (${target.stateDir})` : `stage ${target.stage}`;
}

function printUploadReport(
  file: string,
  report: AllowListUploadReport,
  description: string,
  uploaded: Uploaded | null,
): void {
  const out = process.stdout;
  const { currentVersion } = report;
  out.write(describeFile(file, report));
  out.write(
    `diff against ${description}${currentVersion ? ` (version ${currentVersion})` : " (no list yet)"}: ${describeDiff(report.diff)}`,
  );
  if (uploaded === null) {
    out.write("dry run: nothing uploaded\n");
    return;
  }
  out.write(describeUpload(uploaded));
}

function describeFile(file: string, report: AllowListUploadReport): string {
  let text = `${file}: ${report.serials} serials (${report.format})\n`;
  for (const duplicate of report.duplicates.slice(0, 5)) {
    text += `  warning: "${duplicate.serial}" is listed more than once (lines ${duplicate.lines.join(", ")})\n`;
  }
  if (report.duplicates.length > 5)
    text += `  ... ${report.duplicates.length - 5} more duplicates\n`;
  return text;
}

function describeDiff(diff: AllowListUploadReport["diff"]): string {
  let text = `+${diff.added} added, -${diff.removed} removed, ${diff.unchanged} unchanged\n`;
  const more = (count: number, shown: number) =>
    count > shown ? `, ... ${count - shown} more` : "";
  if (diff.added > 0)
    text += `  + ${diff.addedSample.join(", ")}${more(diff.added, diff.addedSample.length)}\n`;
  if (diff.removed > 0) {
    text += `  - ${diff.removedSample.join(", ")}${more(diff.removed, diff.removedSample.length)}\n`;
  }
  return text;
}

function describeUpload(uploaded: Uploaded): string {
  let text = `uploaded: version ${uploaded.version}\n`;
  const summary = uploaded.reconcile;
  if (summary === null) {
    return `${text}the stage's reconcile function now revokes and deletes the devices whose serial was removed\n`;
  }
  text += `reconcile: ${summary.removed.length} devices revoked and deleted`;
  if (summary.removed.length > 0) text += ` (${summary.removed.map((d) => d.serial).join(", ")})`;
  text += `, ${summary.failures.length} failures\n`;
  for (const failure of summary.failures) {
    text += `  failed: ${failure.serial} at ${failure.step}: ${failure.reason}\n`;
  }
  return text;
}
