import { type AllowListDiff, diffAllowList, type ParsedAllowList } from "@fleet/core";
import type { Command } from "commander";
import { readAllowListFile } from "../allow-list-file.ts";
import { CliError } from "../errors.ts";
import { printRows } from "../output/print-rows.ts";
import { allowListTargetFor, type UploadOutcome } from "../targets/allow-list-target.ts";
import { resolveTarget, type TargetOptions, withTargetOptions } from "./target-options.ts";

interface UploadOptions extends TargetOptions {
  dryRun: boolean;
  allowEmpty: boolean;
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
    const target = await allowListTargetFor(resolveTarget(options));
    const current = await target.current();
    const serials = [...(current?.serials ?? [])].sort();
    if (options.json) {
      process.stdout.write(
        `${JSON.stringify({ version: current?.version ?? null, count: serials.length, serials }, null, 2)}\n`,
      );
      return;
    }
    if (current === null) {
      process.stdout.write(`no allow-list has been uploaded to ${target.description}\n`);
      return;
    }
    printRows(
      serials.map((serial) => ({ serial })),
      [{ header: "serial", value: (row) => row.serial }],
      { json: false },
    );
    process.stdout.write(`${serials.length} serials, version ${current.version}\n`);
  });
}

/**
 * 1. Validate the file locally (streamed; nothing is uploaded when a line is wrong).
 * 2. Diff it against the target's current list.
 * 3. Unless --dry-run, upload; the sandbox reconciles at once, a stage on the S3 event.
 */
async function uploadAllowList(file: string, options: UploadOptions): Promise<void> {
  const { parsed, bytes } = await readAllowListFile(file, options);
  const target = await allowListTargetFor(resolveTarget(options));
  const current = await target.current();
  const diff = diffAllowList(current?.serials ?? new Set(), parsed.serials);
  const uploaded = options.dryRun
    ? null
    : await target.upload(bytes, { allowEmpty: options.allowEmpty });

  if (options.json) {
    process.stdout.write(
      `${JSON.stringify(
        {
          file,
          format: parsed.format,
          serials: parsed.serials.size,
          duplicates: parsed.duplicates,
          target: target.description,
          currentVersion: current?.version ?? null,
          diff,
          uploaded,
        },
        null,
        2,
      )}\n`,
    );
  } else {
    printUploadReport(file, parsed, target.description, current?.version ?? null, diff, uploaded);
  }
  const failures = uploaded?.reconcile?.failures.length ?? 0;
  if (failures > 0) {
    throw new CliError(
      `the list was uploaded, but reconcile failed for ${failures} devices (see above)`,
    );
  }
}

function printUploadReport(
  file: string,
  parsed: ParsedAllowList,
  description: string,
  currentVersion: string | null,
  diff: AllowListDiff,
  uploaded: UploadOutcome | null,
): void {
  const out = process.stdout;
  out.write(describeFile(file, parsed));
  out.write(
    `diff against ${description}${currentVersion ? ` (version ${currentVersion})` : " (no list yet)"}: ${describeDiff(diff)}`,
  );
  if (uploaded === null) {
    out.write("dry run: nothing uploaded\n");
    return;
  }
  out.write(describeUpload(uploaded));
}

function describeFile(file: string, parsed: ParsedAllowList): string {
  let text = `${file}: ${parsed.serials.size} serials (${parsed.format})\n`;
  for (const duplicate of parsed.duplicates.slice(0, 5)) {
    text += `  warning: "${duplicate.serial}" is listed more than once (lines ${duplicate.lines.join(", ")})\n`;
  }
  if (parsed.duplicates.length > 5)
    text += `  ... ${parsed.duplicates.length - 5} more duplicates\n`;
  return text;
}

function describeDiff(diff: AllowListDiff): string {
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

function describeUpload(uploaded: UploadOutcome): string {
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
