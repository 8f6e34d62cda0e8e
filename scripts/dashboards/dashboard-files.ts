import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { DASHBOARDS } from "@fleet/core/panel-catalogue";
import { grafanaDashboard } from "./grafana-dashboard.ts";
import { STORE_TARGETS, type Store } from "./stores.ts";

const ROOT = join(import.meta.dirname, "../..");
const BIOME = join(ROOT, "node_modules/.bin/biome");

export interface GeneratedFile {
  /** Path from the repository root: `dashboards/<store>/<dashboard>.json`. */
  path: string;
  text: string;
}

/** Every dashboard file the catalogue makes, formatted as the repository's linter formats it. */
export function generatedDashboardFiles(): GeneratedFile[] {
  const stores = Object.keys(STORE_TARGETS) as Store[];
  return stores.flatMap((store) =>
    DASHBOARDS.map((definition) => {
      const path = `dashboards/${store}/${definition.id}.json`;
      return { path, text: formatted(path, JSON.stringify(grafanaDashboard(store, definition))) };
    }),
  );
}

function formatted(path: string, json: string): string {
  return execFileSync(BIOME, ["format", `--stdin-file-path=${path}`], {
    cwd: ROOT,
    input: json,
    encoding: "utf8",
  });
}
