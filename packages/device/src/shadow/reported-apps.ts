import { readFile } from "node:fs/promises";
import { join } from "node:path";
import * as z from "zod";
import { writePrivateFile } from "../private-file.ts";

const ReportedAppsSchema = z.object({ names: z.array(z.string()) });

export function reportedAppsFile(stateDir: string): string {
  return join(stateDir, "shadow", "reported-apps.json");
}

/** The app names the device last reported in its shadow; none when never reported or unreadable. */
export async function readReportedApps(file: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  // A torn or foreign file must not stop the reports: at worst a removed app stays listed.
  try {
    const parsed = ReportedAppsSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data.names : [];
  } catch {
    return [];
  }
}

export function writeReportedApps(file: string, names: string[]): Promise<void> {
  return writePrivateFile(file, `${JSON.stringify({ names })}\n`);
}

/**
 * `reported.apps` as a shadow update must carry it: a shadow update merges into the stored
 * document key by key, and only a key set to null is removed (developer guide, "Device Shadow
 * service documents": "Updates affect only the fields specified"; "Interacting with shadows":
 * assign null to the properties to delete). So an app reported before and gone now is nulled.
 */
export function appsUpdate(
  apps: Readonly<Record<string, string>>,
  reportedBefore: readonly string[],
): Record<string, string | null> {
  const removed = reportedBefore.filter((name) => !Object.hasOwn(apps, name));
  return { ...Object.fromEntries(removed.map((name) => [name, null])), ...apps };
}
