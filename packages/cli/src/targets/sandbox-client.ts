import type { FleetOperations } from "@fleet/core";
import { createOperatorClient, OPERATOR_ROUTES } from "@fleet/core/contracts";
import { isProcessAlive, readSandboxInfo, sandboxInfoPath } from "@fleet/sandbox/http-api";
import { SandboxUnavailableError } from "../errors.ts";

/**
 * The operations of the sandbox running on `stateDir`: the client derived from
 * `OPERATOR_ROUTES`, calling the loopback API announced in `<stateDir>/sandbox.json` with the
 * bearer token it gives (the API refuses requests without it).
 */
export async function connectSandbox(stateDir: string): Promise<FleetOperations> {
  const info = await readSandboxInfo(stateDir);
  if (!info || !isProcessAlive(info.pid)) {
    throw new SandboxUnavailableError(
      `no sandbox is running on state dir ${stateDir} (${sandboxInfoPath(stateDir)} ${
        info ? `names pid ${info.pid}, which is not running` : "does not exist"
      }); start one with \`npm start\` or \`fleet sandbox --state-dir ${stateDir}\``,
    );
  }
  return createOperatorClient(OPERATOR_ROUTES, { url: info.apiUrl, token: info.token });
}
