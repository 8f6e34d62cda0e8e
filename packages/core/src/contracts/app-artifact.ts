import * as z from "zod";
import { AppNameSchema, AppVersionSchema } from "./job-document.ts";

/**
 * The application artifact operators build against: a `.tar.gz` whose root holds `app.json`
 * (this manifest) and the app's files. The device unpacks it into a versioned directory and
 * runs `start` there (through `/bin/sh -c`).
 */

export const APP_MANIFEST_FILE = "app.json";

/** Milliseconds an app without a `health` command must stay running to count as healthy. */
export const DEFAULT_HEALTH_GRACE_MS = 10_000;

export const AppManifestSchema = z.strictObject({
  name: AppNameSchema,
  version: AppVersionSchema,
  /** Command line run in the unpacked directory, e.g. `node main.js`. */
  start: z.string().trim().min(1, "start: expected the command line that starts the app"),
  /** Command run in the unpacked directory that must exit 0 for the app to count as healthy. */
  health: z.string().trim().min(1).optional(),
});
export type AppManifest = z.infer<typeof AppManifestSchema>;
