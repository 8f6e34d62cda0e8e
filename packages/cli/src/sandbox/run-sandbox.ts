import { access, mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DEFAULT_HEALTH_GRACE_MS, thingNameFromSerial } from "@fleet/core/contracts";
import type { DeviceConfigInput } from "@fleet/device";
import {
  CANARY_THING_GROUP,
  SANDBOX_RESOURCE_NAMES,
  type Sandbox,
  sandboxFleetOperations,
  startSandbox,
  startSandboxApi,
} from "@fleet/sandbox";
import {
  isLoopbackHost,
  isProcessAlive,
  readSandboxInfo,
  removeSandboxInfo,
  writeSandboxInfo,
} from "@fleet/sandbox/http-api";
import type { Logger } from "pino";
import { CliError } from "../errors.ts";
import { DeviceSupervisor } from "./device-supervisor.ts";
import { startLiveSummary } from "./live-summary.ts";
import { assertPortFree } from "./port-probe.ts";
import { createSandboxLogger } from "./sandbox-logger.ts";

export interface RunSandboxOptions {
  stateDir: string;
  serials: readonly string[];
  /**
   * Interface the MQTT broker listens on. Default 127.0.0.1 (loopback only). The API always
   * listens on loopback.
   */
  host?: string;
  /** MQTT over TLS port. Default 8883, the port AWS IoT Core devices use. */
  mqttPort?: number;
  /** API port. Default 0 (any free port; clients read it from sandbox.json). */
  apiPort?: number;
  /** Seconds between simulated devices' heartbeats. Default 5, so the sandbox looks alive. */
  heartbeatIntervalSeconds?: number;
  /**
   * Allow-list to install at start (bytes of a file validated by the caller). Without it, a
   * sandbox that has no list yet gets the simulated serials; a resumed one keeps its list.
   */
  allowList?: Uint8Array;
  /** Certificate rotation settings, passed to the sandbox (its defaults when left out). */
  certificateValidityMs?: number;
  rotationThresholdMs?: number;
  auditIntervalMs?: number;
  /** Resolves when the sandbox should stop (Ctrl-C). */
  untilStopped: Promise<unknown>;
}

const DEFAULTS = { host: "127.0.0.1", mqttPort: 8883, apiPort: 0, heartbeatIntervalSeconds: 5 };

/**
 * Printed at start: every device is in the fleet group and the first simulated one joins the
 * canary group once provisioned, so a release goes to it first.
 */
export const OTA_HINT = `try OTA: \`npm run build:apps\`, then \`npx fleet ota release --artifact dist/apps/led-1.0.0.tar.gz --target ${SANDBOX_RESOURCE_NAMES.thingGroupName} --canary ${CANARY_THING_GROUP}\`; follow it with \`npx fleet jobs\` and \`npx fleet devices\``;

/**
 * `fleet sandbox`: the local cloud in one process.
 *  1. Refuse to start twice on one state dir, or on a taken MQTT port, before creating any
 *     state; resume a stopped sandbox's state otherwise. A first start that fails removes the
 *     state dir it created.
 *  2. Start the IoT Core emulation (CA, registry, mTLS broker) and the loopback API, then
 *     announce both, with the API's token, in `<stateDir>/sandbox.json` (mode 0600); warn when
 *     the broker listens beyond loopback.
 *  3. Install the allow-list (given, kept from the last run, or the simulated serials).
 *  4. Run a real `fleet-device` process per simulated device; each provisions itself by
 *     claim with a key it generates, exactly as a board does on first boot.
 *  5. Show a live summary until stopped; then stop devices, API and broker, in that order.
 */
export async function runSandbox(options: RunSandboxOptions): Promise<void> {
  const settings = { ...DEFAULTS, ...options };
  const { stateDir } = settings;
  await assertNotRunning(stateDir);
  await assertMqttPortFree(settings);
  const firstStart = !(await exists(stateDir));
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  const logger = createSandboxLogger(stateDir);

  const sandbox = await openSandbox(settings, logger).catch(async (error: unknown) => {
    if (firstStart) await rm(stateDir, { recursive: true, force: true });
    throw error;
  });
  const api = await startSandboxApi(sandboxFleetOperations(sandbox), { port: settings.apiPort });
  await writeSandboxInfo(stateDir, {
    version: 1,
    pid: process.pid,
    apiUrl: api.url,
    token: api.token,
    mqtt: sandbox.mqtt,
    startedAt: new Date().toISOString(),
  });

  // Node's default flags, not the board's DEVICE_NODE_FLAGS (interpreter only, small heap): a
  // developer's machine runs several simulated devices at once and wants them quick to start.
  const supervisor = new DeviceSupervisor({ command: [process.execPath, deviceBinPath()] });
  supervisor.on("exit", (serial, code, signal) =>
    logger.warn({ serial, code, signal }, "device process exited"),
  );
  supervisor.on("reboot", (serial) =>
    logger.info({ serial }, "simulated device rebooted (exit 75); restarted"),
  );
  try {
    await installAllowList(sandbox, settings.allowList, settings.serials);
    await startDevices(sandbox, supervisor, settings);
  } catch (error) {
    await shutDown();
    throw error;
  }

  if (!isLoopbackHost(settings.host)) {
    const warning = `MQTT listens on ${settings.host}, beyond loopback: other machines can reach the broker (devices still need a certificate from this sandbox's CA); the API stays on ${api.url}`;
    logger.warn({ host: settings.host }, warning);
    process.stderr.write(`fleet sandbox: warning: ${warning}\n`);
  }
  const canary = joinCanaryOnceProvisioned(sandbox, settings.serials[0], logger);
  process.stdout.write(`console: ${api.consoleUrl} (this run only)\n`);
  process.stdout.write(`${OTA_HINT}\n`);
  const summary = startLiveSummary({
    header: `fleet sandbox: MQTT mqtts://${sandbox.mqtt.host}:${sandbox.mqtt.port}, API ${api.url}, state ${stateDir}`,
    listDevices: () => sandbox.listDevices(),
  });
  await settings.untilStopped;
  await summary.stop();
  process.stdout.write("stopping devices and the sandbox...\n");
  await shutDown();
  process.stdout.write("sandbox stopped\n");

  async function shutDown() {
    canary?.stop();
    await supervisor.stopAll();
    await api.close();
    await sandbox.close();
    await removeSandboxInfo(stateDir);
    logger.flush();
  }
}

/** The local cloud on the state dir; a taken MQTT port is the operator's to change. */
async function openSandbox(
  settings: RunSandboxOptions & typeof DEFAULTS,
  logger: Logger,
): Promise<Sandbox> {
  try {
    return await startSandbox({
      stateDir: settings.stateDir,
      host: settings.host,
      mqttPort: settings.mqttPort,
      logger,
      certificateValidityMs: settings.certificateValidityMs,
      rotationThresholdMs: settings.rotationThresholdMs,
      auditIntervalMs: settings.auditIntervalMs,
    });
  } catch (error) {
    // Taken since assertMqttPortFree looked.
    throw mqttPortError(settings, error);
  }
}

/** Checked before the state dir is made, so a taken port leaves nothing behind. */
async function assertMqttPortFree(settings: { host: string; mqttPort: number }): Promise<void> {
  await assertPortFree(settings.host, settings.mqttPort).catch((error: unknown) => {
    throw mqttPortError(settings, error);
  });
}

function mqttPortError(settings: { host: string; mqttPort: number }, error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code !== "EADDRINUSE" && code !== "EACCES") return error;
  const why = code === "EADDRINUSE" ? "is in use" : "is privileged (not for this user)";
  return new CliError(
    `MQTT port ${settings.mqttPort} on ${settings.host} ${why}; pick another with --mqtt-port`,
    { cause: error },
  );
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** One `fleet-device` process per simulated serial, each with its own directory and config. */
async function startDevices(
  sandbox: Sandbox,
  supervisor: DeviceSupervisor,
  settings: { stateDir: string; serials: readonly string[]; heartbeatIntervalSeconds: number },
): Promise<void> {
  for (const serial of settings.serials) {
    const dir = join(settings.stateDir, "devices", serial);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const configPath = join(dir, "config.json");
    const config = deviceConfig(sandbox, serial, settings);
    await writeFile(configPath, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
    supervisor.start({ serial, configPath, logPath: join(dir, "device.log") });
  }
}

/**
 * A simulated board as the OS image sets one up: its serial, the claim certificate baked into
 * the image, and an empty credentials directory in which it creates its own key.
 */
function deviceConfig(
  sandbox: Sandbox,
  serial: string,
  settings: { heartbeatIntervalSeconds: number },
): DeviceConfigInput {
  return {
    serial,
    endpoint: sandbox.mqtt,
    tls: { caFile: sandbox.claim.caFile },
    credentialsDir: ".",
    provisioning: {
      claimCertFile: sandbox.claim.certFile,
      claimKeyFile: sandbox.claim.keyFile,
      templateName: sandbox.claim.templateName,
      // A denied device retries: short delays so an allow-list change shows within seconds.
      retry: { initialDelayMs: 1_000, maxDelayMs: 15_000 },
    },
    heartbeatIntervalSeconds: settings.heartbeatIntervalSeconds,
    // A board's health, its LED app's state and the vehicle simulator, each seeded by serial.
    telemetry: { sources: { system: {}, led: {}, vehicle: {} } },
    // A simulated reboot ends the device process with exit code 75: the supervisor restarts it.
    reboot: { command: ["exit"] },
    // The image installs the stage's release public key; here, the sandbox's own.
    apps: {
      healthGraceMs: DEFAULT_HEALTH_GRACE_MS,
      releasePublicKeyFile: sandbox.releaseKey.publicKeyFile,
    },
  };
}

/**
 * Adds the device's thing to the canary group once it exists: at once when the sandbox resumed
 * with it, otherwise when provisioning attaches its certificate.
 */
function joinCanaryOnceProvisioned(
  sandbox: Sandbox,
  serial: string | undefined,
  logger: Logger,
): { stop(): void } | undefined {
  if (serial === undefined) return undefined;
  const thingName = thingNameFromSerial(serial);
  const join = () => {
    stop();
    sandbox
      .addThingToThingGroup(CANARY_THING_GROUP, thingName)
      .then(() =>
        logger.info(
          { thingName, group: CANARY_THING_GROUP },
          "simulated device joined the canary group",
        ),
      )
      .catch((error: unknown) => logger.warn({ err: error }, "canary group not joined"));
  };
  const stop = sandbox.registry.onChange((change) => {
    if (change.kind === "certificate-things" && change.attached && change.thingName === thingName) {
      join();
    }
  });
  if (sandbox.registry.findThing(thingName) !== undefined) join();
  return { stop };
}

async function installAllowList(
  sandbox: Sandbox,
  allowList: Uint8Array | undefined,
  simulatedSerials: readonly string[],
): Promise<void> {
  if (allowList !== undefined) {
    await sandbox.uploadAllowList(allowList, { allowEmpty: false });
    return;
  }
  const current = await sandbox.readAllowList();
  if (current.version !== null || simulatedSerials.length === 0) return;
  const seeded = new TextEncoder().encode(`serial\n${simulatedSerials.join("\n")}\n`);
  await sandbox.uploadAllowList(seeded, { allowEmpty: false });
}

async function assertNotRunning(stateDir: string): Promise<void> {
  const info = await readSandboxInfo(stateDir);
  if (info && info.pid !== process.pid && isProcessAlive(info.pid)) {
    throw new CliError(
      `a sandbox is already running on state dir ${stateDir} (pid ${info.pid}, API ${info.apiUrl})`,
    );
  }
}

function deviceBinPath(): string {
  return fileURLToPath(import.meta.resolve("@fleet/device/bin"));
}
