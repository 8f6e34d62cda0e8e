import { LogsCommandParamsSchema } from "@fleet/core/contracts";
import {
  COMMAND_ERROR_CODES,
  type CommandRunner,
  paramsProblem,
} from "../commands/command-handler.ts";
import type { LogShipper, LogShipperOptions } from "./log-shipper.ts";

/**
 * The `logs` command: ship log lines for `forSeconds` (`LogsCommandParamsSchema`); accepted
 * with `shippingUntil`. The shipper is loaded and built on the first request only, so a device
 * nobody asks for logs never loads it. Without a tap (a logger injected without one), the
 * command is rejected with `LOGS_UNAVAILABLE`.
 */
export function createLogsCommand(
  options: Omit<LogShipperOptions, "tap"> & { tap: LogShipperOptions["tap"] | undefined },
): CommandRunner & { stop(): void } {
  let shipper: Promise<LogShipper> | undefined;
  const run: CommandRunner = async (params) => {
    const parsed = LogsCommandParamsSchema.safeParse(params);
    if (!parsed.success) {
      return {
        errorCode: COMMAND_ERROR_CODES.invalidParams,
        errorMessage: paramsProblem(parsed.error),
      };
    }
    const { tap } = options;
    if (tap === undefined) {
      return {
        errorCode: COMMAND_ERROR_CODES.logsUnavailable,
        errorMessage: "this device's logger hands its lines to no tap",
      };
    }
    shipper ??= import("./log-shipper.ts").then(({ createLogShipper }) =>
      createLogShipper({ ...options, tap }),
    );
    const until = (await shipper).shipFor(parsed.data.forSeconds);
    return { result: { shippingUntil: until.toISOString() } };
  };
  return Object.assign(run, {
    stop() {
      shipper?.then((built) => built.stop());
    },
  });
}
