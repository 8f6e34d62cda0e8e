import { spawn } from "node:child_process";
import { constants } from "node:fs";
import { access, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { DescribeEndpointCommand, type IoTClient } from "@aws-sdk/client-iot";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { createIotClient } from "@fleet/core/adapters/aws";
import { ClaimCredentialsSchema, stageResourceNames } from "@fleet/core/contracts";
import type { Command } from "commander";
import { CliError } from "../errors.ts";
import { stageClientConfig } from "../targets/stage-client-config.ts";

/** The Packer template of the Raspberry Pi OS image (os-image/ at the repository root). */
export const RASPBERRY_PI_TEMPLATE = fileURLToPath(
  new URL("../../../../os-image/raspberry-pi.pkr.hcl", import.meta.url),
);
/**
 * The image's CA bundle: Amazon Root CA 1-4 (ATS endpoints chain to 1, RSA, or 3, ECC; Amazon
 * Trust Services recommends trusting all its roots), made by scripts/amazon-root-cas.ts.
 */
export const DEFAULT_ROOT_CA = fileURLToPath(
  new URL("../../../../os-image/files/amazon-root-cas.pem", import.meta.url),
);

/** What the prerequisite check looks at; the real machine or a test double. */
export interface ImageBuildHost {
  /** Absolute path of an executable on PATH, or undefined. */
  which(command: string): Promise<string | undefined>;
  exists(path: string): Promise<boolean>;
  /** File names in a directory, recursively; empty when it does not exist. */
  listFiles(dir: string): Promise<string[]>;
  isRoot(): boolean;
  env: NodeJS.ProcessEnv;
}

export interface ImageBuildOptions {
  stage: string;
  deviceTarball: string;
  rootCa: string;
  /** The stage's release public key (Ed25519 PEM): devices install only artifacts it signed. */
  releasePublicKey: string;
  outputDir: string;
}

/**
 * Everything `packer build` with the arm builder needs, each missing one with how to get it.
 * Checked before any AWS call or file write, so a wrong machine fails at once and completely.
 */
export async function missingImagePrerequisites(
  host: ImageBuildHost,
  options: Pick<ImageBuildOptions, "deviceTarball" | "rootCa" | "releasePublicKey">,
): Promise<string[]> {
  const missing: string[] = [];
  const packer = await host.which("packer");
  if (packer === undefined) {
    missing.push("packer: install it (`sudo apt-get install packer`, or from HashiCorp)");
  }
  if (!(await armPluginInstalled(host, packer))) {
    missing.push(
      "the Packer arm plugin (packer-builder-arm): `packer plugins install github.com/mkaczanowski/arm` on Packer >= 1.7, or put the packer-builder-arm binary in ~/.packer.d/plugins",
    );
  }
  if (!(await host.exists("/usr/bin/qemu-aarch64-static"))) {
    missing.push("qemu-user-static: `sudo apt-get install qemu-user-static binfmt-support`");
  }
  if (!(await host.exists("/proc/sys/fs/binfmt_misc/qemu-aarch64"))) {
    missing.push(
      "the qemu-aarch64 binfmt handler: `sudo update-binfmts --enable qemu-aarch64` (binfmt-support)",
    );
  }
  if (!(await host.exists("/dev/loop-control"))) {
    missing.push("loop devices: `sudo modprobe loop` (in a container: run it --privileged)");
  }
  if (!host.isRoot()) {
    missing.push("root: the arm builder mounts loop devices; run with sudo");
  }
  if (!(await host.exists(options.deviceTarball))) {
    missing.push(
      `the device client tarball ${options.deviceTarball} (bin/node and lib/fleet-device.mjs; see os-image/README.md)`,
    );
  }
  if (!(await host.exists(options.rootCa))) {
    missing.push(
      `the IoT root CA bundle ${options.rootCa}: \`node scripts/amazon-root-cas.ts\` writes the default one`,
    );
  }
  if (!(await host.exists(options.releasePublicKey))) {
    missing.push(
      `the release public key ${options.releasePublicKey}: \`openssl pkey -in release-key.pem -pubout\` writes it from the key \`fleet ota release --signing-key\` signs with`,
    );
  }
  return missing;
}

async function armPluginInstalled(
  host: ImageBuildHost,
  packer: string | undefined,
): Promise<boolean> {
  // Packer 1.6 looks beside its binary, in ~/.packer.d/plugins and the working directory;
  // Packer >= 1.7 under ~/.config/packer/plugins or PACKER_PLUGIN_PATH.
  const dirs = [
    ...(packer ? [dirname(packer)] : []),
    join(homedir(), ".packer.d", "plugins"),
    join(homedir(), ".config", "packer", "plugins"),
    ...(host.env.PACKER_PLUGIN_PATH?.split(delimiter) ?? []),
    process.cwd(),
  ];
  for (const dir of dirs) {
    const files = await host.listFiles(dir);
    if (files.some((f) => /(^|\/)packer-(builder-arm|plugin-arm)(_|$)/.test(f))) return true;
  }
  return false;
}

/** The stage's values the image carries, fetched at build time. */
export interface StageImageInputs {
  region: string;
  iotEndpoint: string;
  provisioningTemplate: string;
  claimCertificatePem: string;
  claimPrivateKeyPem: string;
}

/** The IoT data endpoint (DescribeEndpoint) and the claim credentials the provisioning stack stores. */
export async function fetchStageImageInputs(
  stage: string,
  clients: { iot: IoTClient; secrets: SecretsManagerClient },
): Promise<StageImageInputs> {
  const secretName = stageResourceNames(stage).claimCredentialsSecretName;
  const { endpointAddress } = await clients.iot.send(
    new DescribeEndpointCommand({ endpointType: "iot:Data-ATS" }),
  );
  if (!endpointAddress) throw new CliError(`stage ${stage}: IoT returned no iot:Data-ATS endpoint`);
  let secretString: string | undefined;
  try {
    ({ SecretString: secretString } = await clients.secrets.send(
      new GetSecretValueCommand({ SecretId: secretName }),
    ));
  } catch (error) {
    if ((error as { name?: string }).name !== "ResourceNotFoundException") throw error;
  }
  if (!secretString) {
    throw new CliError(
      `stage ${stage} has no claim credentials (secret ${secretName} not found or empty): deploy it with \`npx sst deploy --stage ${stage}\``,
    );
  }
  const parsed = ClaimCredentialsSchema.safeParse(JSON.parse(secretString));
  if (!parsed.success) {
    throw new CliError(`secret ${secretName} is not claim credentials: ${parsed.error.message}`);
  }
  return {
    region: await clients.iot.config.region(),
    iotEndpoint: endpointAddress,
    provisioningTemplate: parsed.data.templateName,
    claimCertificatePem: parsed.data.certificatePem,
    claimPrivateKeyPem: parsed.data.privateKeyPem,
  };
}

/** `packer build` arguments: every input as a `-var`, files by absolute path. */
export function packerBuildArgs(input: {
  stage: string;
  inputs: Pick<StageImageInputs, "region" | "iotEndpoint" | "provisioningTemplate">;
  claimCertFile: string;
  claimKeyFile: string;
  options: ImageBuildOptions;
  template?: string;
}): string[] {
  const variables: Record<string, string> = {
    stage: input.stage,
    region: input.inputs.region,
    iot_endpoint: input.inputs.iotEndpoint,
    provisioning_template: input.inputs.provisioningTemplate,
    claim_cert_file: input.claimCertFile,
    claim_key_file: input.claimKeyFile,
    root_ca_file: resolve(input.options.rootCa),
    release_public_key_file: resolve(input.options.releasePublicKey),
    device_client_tarball: resolve(input.options.deviceTarball),
    output_dir: resolve(input.options.outputDir),
  };
  return [
    "build",
    ...Object.entries(variables).flatMap(([name, value]) => ["-var", `${name}=${value}`]),
    input.template ?? RASPBERRY_PI_TEMPLATE,
  ];
}

/** The machine this runs on. */
export const localImageBuildHost: ImageBuildHost = {
  async which(command) {
    for (const dir of (process.env.PATH ?? "").split(delimiter)) {
      const candidate = join(dir, command);
      if (await canAccess(candidate, constants.X_OK)) return candidate;
    }
    return undefined;
  },
  exists: (path) => canAccess(path, constants.F_OK),
  async listFiles(dir) {
    try {
      return await readdir(dir, { recursive: true });
    } catch {
      return [];
    }
  },
  isRoot: () => process.getuid?.() === 0,
  env: process.env,
};

async function canAccess(path: string, mode: number): Promise<boolean> {
  try {
    await access(path, mode);
    return true;
  } catch {
    return false;
  }
}

export function registerImageCommand(program: Command): void {
  const image = program.command("image").description("build the board OS image");
  image
    .command("build")
    .description(
      "build the Raspberry Pi OS image of a stage with Packer: the device client, its units, the stage's endpoint and claim credentials",
    )
    .requiredOption("--stage <name>", "the SST stage the image provisions into")
    .requiredOption(
      "--device-tarball <file>",
      "the device client with its Node runtime (.tar.gz with bin/node and lib/fleet-device.mjs)",
    )
    .option("--root-ca <file>", "CA bundle of the IoT endpoint", DEFAULT_ROOT_CA)
    .requiredOption(
      "--release-public-key <file>",
      "the release public key (Ed25519 PEM) devices verify app artifacts with",
    )
    .option("--output-dir <dir>", "where the image is written", "os-image/output")
    .option("--json", "print the result as JSON (Packer's output goes to stderr)", false)
    .action(async (options: ImageBuildOptions & { json: boolean }) => {
      const missing = await missingImagePrerequisites(localImageBuildHost, options);
      if (missing.length > 0) {
        // One line: the CLI prints only an error's first line.
        throw new CliError(`cannot build the image; missing prerequisites: ${missing.join("; ")}`);
      }
      const config = stageClientConfig(options.stage);
      const inputs = await fetchStageImageInputs(options.stage, {
        iot: createIotClient(config),
        secrets: new SecretsManagerClient(config),
      });
      const imagePath = await buildImage(options, inputs, { json: options.json });
      const result = { stage: options.stage, image: imagePath, endpoint: inputs.iotEndpoint };
      process.stdout.write(
        options.json ? `${JSON.stringify(result)}\n` : `image written to ${imagePath}\n`,
      );
    });
}

async function buildImage(
  options: ImageBuildOptions,
  inputs: StageImageInputs,
  output: { json: boolean },
): Promise<string> {
  // The claim key exists on disk only for the build, in a directory only we can read.
  const secretsDir = await mkdtemp(join(tmpdir(), "fleet-image-"));
  try {
    const claimCertFile = join(secretsDir, "claim.cert.pem");
    const claimKeyFile = join(secretsDir, "claim.key.pem");
    await writeFile(claimCertFile, inputs.claimCertificatePem, { mode: 0o600, flag: "wx" });
    await writeFile(claimKeyFile, inputs.claimPrivateKeyPem, { mode: 0o600, flag: "wx" });
    const args = packerBuildArgs({
      stage: options.stage,
      inputs,
      claimCertFile,
      claimKeyFile,
      options,
    });
    const code = await new Promise<number>((resolvePromise, reject) => {
      const child = spawn("packer", args, {
        cwd: resolve(dirname(RASPBERRY_PI_TEMPLATE), ".."),
        stdio: ["ignore", output.json ? process.stderr : "inherit", "inherit"],
      });
      child.on("error", reject);
      child.on("close", (status) => resolvePromise(status ?? 1));
    });
    if (code !== 0) throw new CliError(`packer build failed (exit code ${code})`);
    return join(resolve(options.outputDir), `fleet-${options.stage}-raspios-arm64.img`);
  } finally {
    await rm(secretsDir, { recursive: true, force: true });
  }
}
