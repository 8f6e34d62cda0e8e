// Writes dashboards/<store>/*.json from the panel catalogue (@fleet/core/panel-catalogue):
// `npm run dashboards`. tests/dashboards fails when the committed files differ from these.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { generatedDashboardFiles } from "./dashboards/dashboard-files.ts";

for (const { path, text } of generatedDashboardFiles()) {
  writeFileSync(join(import.meta.dirname, "..", path), text);
  console.log(`wrote ${path}`);
}
