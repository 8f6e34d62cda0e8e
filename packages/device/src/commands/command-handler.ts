import {
  type CommandAccepted,
  type CommandRejected,
  CommandRequestSchema,
  commandRequestFilter,
  commandTopics,
  LED_COMMAND,
  type LedCommandParams,
  LedCommandParamsSchema,
  type LedSection,
  matchCommandRequestTopic,
  parseJsonWithinDepth,
} from "@fleet/core/contracts";
import type { Logger } from "pino";
import type * as z from "zod";
import type { DeviceConnection } from "../connection/device-connection.ts";
import { errorText } from "../error-text.ts";
import type { DeviceSettingsStore } from "../settings/device-settings.ts";

/** Reply codes of a rejected command. */
export const COMMAND_ERROR_CODES = {
  unknownCommand: "UNKNOWN_COMMAND",
  invalidParams: "INVALID_PARAMS",
  appUnavailable: "APP_UNAVAILABLE",
  logsUnavailable: "LOGS_UNAVAILABLE",
} as const;

/** A command other than `led`: its result when accepted, or its refusal. */
export type CommandRunner = (
  params: unknown,
) => Promise<{ result: Record<string, unknown> } | { errorCode: string; errorMessage: string }>;

export interface CommandHandlerOptions {
  thingName: string;
  connection: Pick<DeviceConnection, "events" | "publish" | "subscribe">;
  /** The LED app over the local bus; resolves its reported state, rejects when it is absent. */
  led: { set(params: LedCommandParams): Promise<LedSection> };
  /** The LED settings a command applied are persisted with the device's settings. */
  settings: Pick<DeviceSettingsStore, "record">;
  /** Further commands by name (e.g. `logs`). */
  commands?: Readonly<Record<string, CommandRunner>>;
  logger: Logger;
}

export interface CommandHandler {
  stop(): void;
}

/**
 * Answers cloud-to-device commands on `cmd/{thing}/{command}` (subscribed after each connect):
 * - `led`: params validated with `LedCommandParamsSchema` (`INVALID_PARAMS` naming the field),
 *   handed to the LED app (`APP_UNAVAILABLE` when none answers), persisted as the LED
 *   settings; accepted with the state the LED app reports.
 * - a command of `options.commands`: its runner's result or refusal;
 * - any other command: `UNKNOWN_COMMAND`.
 * A request without a valid `requestId` cannot be answered: it is logged and dropped.
 */
export function createCommandHandler(options: CommandHandlerOptions): CommandHandler {
  const { thingName, connection, logger } = options;
  const filter = commandRequestFilter(thingName);
  let stopped = false;

  const reply = async (
    command: string,
    outcome: { accepted: CommandAccepted } | { rejected: CommandRejected },
  ) => {
    const topics = commandTopics(thingName, command);
    const [topic, body] =
      "accepted" in outcome
        ? [topics.accepted, outcome.accepted]
        : [topics.rejected, outcome.rejected];
    await connection.publish(topic, JSON.stringify(body), 1);
  };

  const runLed: CommandRunner = async (params) => {
    const parsed = LedCommandParamsSchema.safeParse(params);
    if (!parsed.success) {
      return {
        errorCode: COMMAND_ERROR_CODES.invalidParams,
        errorMessage: paramsProblem(parsed.error),
      };
    }
    let state: LedSection;
    try {
      state = await options.led.set(parsed.data);
    } catch (error) {
      return { errorCode: COMMAND_ERROR_CODES.appUnavailable, errorMessage: errorText(error) };
    }
    await options.settings.record({ led: parsed.data });
    return { result: { ...state } };
  };

  const runners = new Map<string, CommandRunner>([
    [LED_COMMAND, runLed],
    ...Object.entries(options.commands ?? {}),
  ]);

  const handle = async (command: string, payload: Buffer) => {
    let request: unknown;
    try {
      request = parseJsonWithinDepth(payload.toString("utf8"));
    } catch {
      request = undefined;
    }
    const parsed = CommandRequestSchema.safeParse(request);
    if (!parsed.success) {
      logger.warn({ command, reason: parsed.error.message }, "command.invalid-request");
      return;
    }
    const { requestId, params } = parsed.data;
    const runner = runners.get(command);
    const ran = runner
      ? await runner(params)
      : {
          errorCode: COMMAND_ERROR_CODES.unknownCommand,
          errorMessage: `unknown command "${command}"; this device supports: ${[...runners.keys()].join(", ")}`,
        };
    const outcome =
      "result" in ran
        ? { accepted: { requestId, result: ran.result } }
        : rejected(requestId, ran.errorCode, ran.errorMessage);
    logger.info(
      {
        command,
        requestId,
        outcome: "accepted" in outcome ? "accepted" : outcome.rejected.errorCode,
      },
      "command.handled",
    );
    if (!stopped) await reply(command, outcome);
  };

  const onMessage = ({ topic, payload }: { topic: string; payload: Buffer }) => {
    const request = matchCommandRequestTopic(topic);
    if (stopped || request === undefined || request.thingName !== thingName) return;
    const { command } = request;
    handle(command, payload).catch((error: unknown) =>
      logger.warn({ command, reason: errorText(error) }, "command.reply-failed"),
    );
  };
  const onConnected = () => {
    connection
      .subscribe([filter])
      .catch((error: unknown) =>
        logger.warn({ reason: errorText(error) }, "command.subscribe-failed"),
      );
  };

  connection.events.on("message", onMessage);
  connection.events.on("connected", onConnected);
  return {
    stop() {
      stopped = true;
      connection.events.off("message", onMessage);
      connection.events.off("connected", onConnected);
    },
  };
}

/** A params validation error as a rejection's message, naming each failing field. */
export function paramsProblem(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.join(".") || "params"}: ${issue.message}`)
    .join("; ");
}

function rejected(requestId: string, errorCode: string, errorMessage: string) {
  return { rejected: { requestId, errorCode, errorMessage } };
}
