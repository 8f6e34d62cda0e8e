import { createRequire } from "node:module";

// Read at run time: a JSON import would pull package.json into the TypeScript project.
const packageJson = createRequire(import.meta.url)("../package.json") as { version: string };

/** Version of this device client, reported in heartbeats and by `fleet-device --version`. */
export const CLIENT_VERSION: string = packageJson.version;
