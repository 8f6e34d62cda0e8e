import {
  type DeviceReportedState,
  DeviceReportedStateSchema,
  shadowTopics,
} from "@fleet/core/contracts";
import type { Logger } from "pino";
import type { DeviceConnection } from "../connection/device-connection.ts";
import { errorText } from "../error-text.ts";
import { appsUpdate, readReportedApps, writeReportedApps } from "./reported-apps.ts";

export interface ShadowReporterOptions {
  thingName: string;
  connection: Pick<DeviceConnection, "state" | "events" | "publish">;
  /** What the device reports now: its apps, OS version and settings. */
  state: () => Promise<DeviceReportedState>;
  /** Where the names of the apps last reported are kept (`reportedAppsFile(stateDir)`). */
  reportedAppsFile: string;
  logger: Logger;
}

export interface ShadowReporter {
  /** Publishes the current state now if connected (else at the next connect). */
  report(): void;
  stop(): void;
}

/**
 * Keeps the thing's classic shadow `state.reported` current: publishes
 * `{state: {reported: {apps, osVersion, settings}}}` (QoS 1) after each connect and after each
 * `report()`. Reports asked for while one is being sent are folded into one more publish.
 * An app reported before and removed since is sent as null, which removes it from the shadow;
 * the names reported are kept on disk, so this holds across restarts.
 */
export function createShadowReporter(options: ShadowReporterOptions): ShadowReporter {
  const { connection, logger } = options;
  const topic = shadowTopics(options.thingName).update;
  let stopped = false;
  let sending: Promise<void> | undefined;
  let again = false;

  const send = async () => {
    const reported = DeviceReportedStateSchema.parse(await options.state());
    if (stopped || connection.state !== "connected") return;
    const apps = appsUpdate(reported.apps, await readReportedApps(options.reportedAppsFile));
    const update = { state: { reported: { ...reported, apps } } };
    await connection.publish(topic, JSON.stringify(update), 1);
    await writeReportedApps(options.reportedAppsFile, Object.keys(reported.apps));
    logger.debug({ reported }, "shadow.reported");
  };

  const report = () => {
    if (stopped) return;
    if (sending !== undefined) {
      again = true;
      return;
    }
    sending = send()
      .catch((error: unknown) => logger.warn({ reason: errorText(error) }, "shadow.report-failed"))
      .finally(() => {
        sending = undefined;
        if (again) {
          again = false;
          report();
        }
      });
  };

  const onConnected = () => report();
  connection.events.on("connected", onConnected);
  return {
    report,
    stop() {
      stopped = true;
      connection.events.off("connected", onConnected);
    },
  };
}
