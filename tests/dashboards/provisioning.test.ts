import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { TIMESTREAM_TABLE_NAME } from "@fleet/core/contracts";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { DASHBOARDS_DIR, PLUGIN_ID, STORES } from "./dashboard-files.ts";

interface DataSource {
  name?: string;
  uid?: string;
  type?: string;
  url?: string;
  jsonData?: Record<string, unknown>;
  secureJsonData?: Record<string, unknown>;
}

function provisioning<T>(kind: "datasources" | "dashboards", store: string): T {
  return parse(readFileSync(join(DASHBOARDS_DIR, "provisioning", kind, `${store}.yaml`), "utf8"));
}

const ENV_REFERENCE = /^\$\{[A-Z][A-Z0-9_]*\}$/;

describe.each(STORES)("provisioning for %s", (store) => {
  const { apiVersion, datasources } = provisioning<{
    apiVersion: number;
    datasources: DataSource[];
  }>("datasources", store);

  it("provisions one read-only data source of the store's plugin with a fixed uid", () => {
    expect(apiVersion).toBe(1);
    expect(datasources).toHaveLength(1);
    expect(datasources[0]).toMatchObject({
      type: PLUGIN_ID[store],
      uid: `fleet-${store}`,
      access: "proxy",
      editable: false,
    });
  });

  it("takes secrets and stage-specific settings from the environment, never from the file", () => {
    const source = datasources[0];
    for (const value of Object.values(source?.secureJsonData ?? {})) {
      expect(value).toMatch(ENV_REFERENCE);
    }
    if (store === "timestream") {
      // Credentials come from the AWS SDK default chain (role), never keys in a file.
      expect(source?.jsonData).toMatchObject({
        authType: "default",
        defaultTable: TIMESTREAM_TABLE_NAME,
      });
      // Double-quoted: the plugin inserts the database raw and `fleet-<stage>` has a hyphen.
      expect(source?.jsonData?.defaultDatabase).toMatch(/^"\$\{[A-Z][A-Z0-9_]*\}"$/);
      expect(source?.jsonData?.defaultRegion).toMatch(ENV_REFERENCE);
      expect(source?.secureJsonData).toBeUndefined();
    } else {
      expect(source?.jsonData).toMatchObject({ version: "Flux", tlsSkipVerify: false });
      expect(source?.url).toMatch(ENV_REFERENCE);
      expect(source?.secureJsonData?.token).toMatch(ENV_REFERENCE);
    }
  });

  it("loads the store's dashboards folder as files that the UI cannot change", () => {
    const { providers } = provisioning<{
      providers: { type?: string; allowUiUpdates?: boolean; options?: { path?: string } }[];
    }>("dashboards", store);
    expect(providers).toHaveLength(1);
    expect(providers[0]).toMatchObject({ type: "file", allowUiUpdates: false });
    const path = providers[0]?.options?.path ?? "";
    expect(path.endsWith(`/${store}`)).toBe(true);
    const folder = join(DASHBOARDS_DIR, store);
    expect(existsSync(folder)).toBe(true);
    expect(readdirSync(folder).filter((file) => file.endsWith(".json")).length).toBeGreaterThan(0);
  });
});
