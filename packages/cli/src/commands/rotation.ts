import type { RotationRecord } from "@fleet/core";
import { type RotationRequest, SerialSchema } from "@fleet/core/contracts";
import type { Command } from "commander";
import { parseDurationOption } from "../duration-option.ts";
import { CliError, UsageError } from "../errors.ts";
import { startLiveTable } from "../output/live-table.ts";
import { type Column, printRows, renderTable } from "../output/print-rows.ts";
import { stopSignal } from "../stop-signal.ts";
import { fleetOperationsFor } from "../targets/fleet-operations-for.ts";
import { followTarget } from "../targets/follow-target.ts";
import {
  describeWatchRow,
  ROTATION_WATCH_COLUMNS,
  rotationWatchRows,
} from "./rotation-watch-rows.ts";
import { resolveTarget, type TargetOptions, withTargetOptions } from "./target-options.ts";

export const ROTATION_COLUMNS: readonly Column<RotationRecord>[] = [
  { header: "device", value: (r) => r.serial ?? r.thingName },
  { header: "rotation id", value: (r) => r.rotationId },
  { header: "step", value: (r) => r.step },
  { header: "old cert", value: (r) => r.oldCertificateId.slice(0, 12) },
  {
    header: "new cert",
    value: (r) => (r.newCertificateId ? r.newCertificateId.slice(0, 12) : "-"),
  },
  { header: "started", value: (r) => r.startedAt, wide: true },
  { header: "deadline", value: (r) => r.deadline, wide: true },
  { header: "reason", value: (r) => r.reason ?? "", flexible: true },
];

interface StartOptions extends TargetOptions {
  device?: string;
  expiringWithin?: string;
  deadline?: string;
  json: boolean;
}

export function registerRotationCommand(program: Command): void {
  const rotation = program
    .command("rotation")
    .description("rotate device certificates: start rotations, follow them");

  withTargetOptions(
    rotation
      .command("start")
      .description("start a certificate rotation for one device, or for every device expiring soon")
      .option("--device <serial>", "the device to rotate")
      .option("--expiring-within <duration>", "every device whose certificate ends within (30d)")
      .option(
        "--deadline <duration>",
        "with --stage: time the device has to commit (default 1h); the sandbox uses its own",
      )
      .option("--json", "print the started rotations as a JSON array", false),
  ).action(startRotations);

  withTargetOptions(
    rotation
      .command("status")
      .description("list rotations, newest first: step, certificates, deadline")
      .option("--json", "print a JSON array instead of a table", false),
  ).action(async (options: TargetOptions & { json: boolean }) => {
    const fleet = await fleetOperationsFor(resolveTarget(options));
    printRows(await fleet.listRotations(), ROTATION_COLUMNS, { json: options.json });
  });

  withTargetOptions(
    rotation
      .command("watch")
      .description("follow each device's certificate and rotation live, until Ctrl-C"),
  ).action(watchRotations);
}

/** `fleet rotation start`: a stage reports devices it could not rotate and goes on. */
async function startRotations(options: StartOptions): Promise<void> {
  const target = resolveTarget(options);
  if (target.kind === "sandbox" && options.deadline !== undefined) {
    throw new UsageError("--deadline applies to --stage only: the sandbox sets its own deadline");
  }
  const request = rotationRequest(options);
  const deadlineMs =
    options.deadline === undefined
      ? undefined
      : parseDurationOption("--deadline", options.deadline);
  const fleet = await fleetOperationsFor(target, { rotationDeadlineMs: deadlineMs });
  const { started, failures } = await fleet.startRotations(request);
  printRows(started, ROTATION_COLUMNS, { json: options.json });
  for (const failure of failures) {
    process.stderr.write(`fleet: ${failure.device}: ${failure.message}\n`);
  }
  if (failures.length > 0) {
    throw new CliError(
      `${failures.length} of ${failures.length + started.length} rotations did not start`,
    );
  }
}

/**
 * `fleet rotation watch`: each device's certificate and rotation, live, until Ctrl-C; through
 * restarts of the sandbox it watches (see followTarget).
 */
async function watchRotations(options: TargetOptions): Promise<void> {
  const target = resolveTarget(options);
  const fleetNow = followTarget(target);
  await fleetNow(); // No sandbox running at the start: fail at once (exit 3), do not wait.
  const header = `fleet rotation watch: ${target.kind === "stage" ? `stage ${target.stage}` : target.stateDir}`;
  const table = startLiveTable({
    header,
    load: async () => {
      const fleet = await fleetNow();
      const [devices, rotations] = await Promise.all([fleet.listDevices(), fleet.listRotations()]);
      return rotationWatchRows(devices, rotations);
    },
    render: (rows) => `${header} — Ctrl-C to stop\n${renderTable(rows, ROTATION_WATCH_COLUMNS)}`,
    key: (row) => row.device,
    describe: describeWatchRow,
  });
  await stopSignal();
  await table.stop();
}

function rotationRequest(options: StartOptions): RotationRequest {
  if ((options.device === undefined) === (options.expiringWithin === undefined)) {
    throw new UsageError("give exactly one of --device <serial> or --expiring-within <duration>");
  }
  if (options.device !== undefined) {
    const serial = SerialSchema.safeParse(options.device);
    if (!serial.success) {
      throw new UsageError(
        `--device ${options.device}: not a device serial (${serial.error.issues[0]?.message})`,
      );
    }
    return { device: serial.data };
  }
  return {
    expiringWithinMs: parseDurationOption("--expiring-within", options.expiringWithin ?? ""),
  };
}
