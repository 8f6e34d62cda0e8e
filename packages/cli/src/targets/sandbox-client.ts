import type { FleetInventory } from "@fleet/core";
import { type DeviceView, DeviceViewSchema } from "@fleet/core/contracts";
import { isProcessAlive, readSandboxInfo, sandboxInfoPath } from "@fleet/sandbox/http-api";
import { z } from "zod";
import { CliError, SandboxUnavailableError } from "../errors.ts";

/** Talks to a running sandbox through the loopback API announced in `<stateDir>/sandbox.json`. */
export class SandboxClient implements FleetInventory {
  readonly apiUrl: string;

  private constructor(apiUrl: string) {
    this.apiUrl = apiUrl;
  }

  static async connect(stateDir: string): Promise<SandboxClient> {
    const info = await readSandboxInfo(stateDir);
    if (!info || !isProcessAlive(info.pid)) {
      throw new SandboxUnavailableError(
        `no sandbox is running on state dir ${stateDir} (${sandboxInfoPath(stateDir)} ${
          info ? `names pid ${info.pid}, which is not running` : "does not exist"
        }); start one with \`npm start\` or \`fleet sandbox --state-dir ${stateDir}\``,
      );
    }
    return new SandboxClient(info.apiUrl);
  }

  async listDevices(): Promise<DeviceView[]> {
    return this.get("/v1/devices", z.array(DeviceViewSchema));
  }

  private async get<T>(path: string, schema: z.ZodType<T>): Promise<T> {
    let response: Response;
    try {
      response = await fetch(new URL(path, this.apiUrl));
    } catch (error) {
      throw new SandboxUnavailableError(`sandbox API at ${this.apiUrl} is not reachable`, {
        cause: error,
      });
    }
    const body: unknown = await response.json().catch(() => null);
    if (!response.ok) {
      const message = (body as { error?: string } | null)?.error ?? response.statusText;
      throw new CliError(`sandbox API ${path} answered ${response.status}: ${message}`);
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      throw new CliError(
        `sandbox API ${path} sent an unexpected reply: ${z.prettifyError(parsed.error)}`,
      );
    }
    return parsed.data;
  }
}
