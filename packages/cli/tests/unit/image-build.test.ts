import { existsSync } from "node:fs";
import { DescribeEndpointCommand, IoTClient } from "@aws-sdk/client-iot";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import {
  DEFAULT_ROOT_CA,
  fetchStageImageInputs,
  type ImageBuildHost,
  missingImagePrerequisites,
  packerBuildArgs,
  RASPBERRY_PI_TEMPLATE,
} from "../../src/commands/image.ts";
import { main } from "../../src/main.ts";
import { captureCliOutput } from "../support/cli-output.ts";

const OPTIONS = {
  deviceTarball: "/build/fleet-device.tar.gz",
  rootCa: "/etc/ssl/certs/Amazon_Root_CA_1.pem",
  releasePublicKey: "/keys/release-key.pub.pem",
};

/** A build machine with everything in place, or with the given paths and commands removed. */
function host(
  overrides: { without?: string[]; root?: boolean; plugins?: string[] } = {},
): ImageBuildHost {
  const without = new Set(overrides.without ?? []);
  return {
    which: async (command) => (without.has(command) ? undefined : `/usr/bin/${command}`),
    exists: async (path) => !without.has(path),
    listFiles: async (dir) =>
      dir.endsWith(".config/packer/plugins")
        ? (overrides.plugins ?? [
            "github.com/mkaczanowski/arm/packer-plugin-arm_v1.0.0_x5.0_linux_amd64",
          ])
        : [],
    isRoot: () => overrides.root ?? true,
    env: {},
  };
}

describe("image build prerequisites", () => {
  const { stderr } = captureCliOutput({ awsEnv: true });

  it("trusts the image's bundle of Amazon Root CA 1-4 unless --root-ca says otherwise", () => {
    expect(DEFAULT_ROOT_CA).toMatch(/\/os-image\/files\/amazon-root-cas\.pem$/);
    expect(existsSync(DEFAULT_ROOT_CA)).toBe(true);
  });

  it("finds nothing missing on a ready build machine", async () => {
    expect(await missingImagePrerequisites(host(), OPTIONS)).toEqual([]);
  });

  it("accepts the Packer 1.6 plugin binary in ~/.packer.d/plugins", async () => {
    const legacy: ImageBuildHost = {
      ...host({ plugins: [] }),
      listFiles: async (dir) => (dir.endsWith(".packer.d/plugins") ? ["packer-builder-arm"] : []),
    };
    expect(await missingImagePrerequisites(legacy, OPTIONS)).toEqual([]);
  });

  it("lists every missing prerequisite with how to get it", async () => {
    const missing = await missingImagePrerequisites(
      host({
        without: [
          "packer",
          "/usr/bin/qemu-aarch64-static",
          "/proc/sys/fs/binfmt_misc/qemu-aarch64",
          "/dev/loop-control",
          OPTIONS.deviceTarball,
          OPTIONS.releasePublicKey,
        ],
        root: false,
        plugins: [],
      }),
      OPTIONS,
    );
    expect(missing).toHaveLength(8);
    expect(missing.join("\n")).toMatch(/^packer: install it/m);
    expect(missing.join("\n")).toContain("packer plugins install github.com/mkaczanowski/arm");
    expect(missing.join("\n")).toContain("qemu-user-static");
    expect(missing.join("\n")).toContain("update-binfmts --enable qemu-aarch64");
    expect(missing.join("\n")).toContain("modprobe loop");
    expect(missing.join("\n")).toContain("run with sudo");
    expect(missing.join("\n")).toContain(OPTIONS.deviceTarball);
    expect(missing.join("\n")).toContain(`the release public key ${OPTIONS.releasePublicKey}`);
  });

  it("refuses before any AWS call, naming what is missing", async () => {
    const iot = mockClient(IoTClient);
    const code = await main([
      "image",
      "build",
      "--stage",
      "dev",
      "--device-tarball",
      "/nonexistent/fleet-device.tar.gz",
      "--release-public-key",
      "/nonexistent/release-key.pub.pem",
    ]);
    expect(code).toBe(1);
    expect(stderr.join("")).toContain("missing prerequisites");
    expect(stderr.join("")).toContain("/nonexistent/fleet-device.tar.gz");
    expect(stderr.join("")).toContain("/nonexistent/release-key.pub.pem");
    expect(iot.calls()).toHaveLength(0);
    iot.restore();
  });
});

describe("packer build arguments", () => {
  it("pass every stage input as a variable with absolute file paths", () => {
    const args = packerBuildArgs({
      stage: "dev",
      inputs: {
        region: "eu-west-1",
        iotEndpoint: "abc123-ats.iot.eu-west-1.amazonaws.com",
        provisioningTemplate: "fleet-dev-provision",
      },
      claimCertFile: "/tmp/fleet-image-x/claim.cert.pem",
      claimKeyFile: "/tmp/fleet-image-x/claim.key.pem",
      options: { ...OPTIONS, stage: "dev", outputDir: "/out" },
    });
    expect(args).toEqual([
      "build",
      "-var",
      "stage=dev",
      "-var",
      "region=eu-west-1",
      "-var",
      "iot_endpoint=abc123-ats.iot.eu-west-1.amazonaws.com",
      "-var",
      "provisioning_template=fleet-dev-provision",
      "-var",
      "claim_cert_file=/tmp/fleet-image-x/claim.cert.pem",
      "-var",
      "claim_key_file=/tmp/fleet-image-x/claim.key.pem",
      "-var",
      "root_ca_file=/etc/ssl/certs/Amazon_Root_CA_1.pem",
      "-var",
      "release_public_key_file=/keys/release-key.pub.pem",
      "-var",
      "device_client_tarball=/build/fleet-device.tar.gz",
      "-var",
      "output_dir=/out",
      RASPBERRY_PI_TEMPLATE,
    ]);
  });
});

describe("stage image inputs", () => {
  const iotMock = mockClient(IoTClient);
  const secretsMock = mockClient(SecretsManagerClient);
  const clients = () => ({
    iot: new IoTClient({ region: "eu-west-1" }),
    secrets: new SecretsManagerClient({ region: "eu-west-1" }),
  });

  beforeEach(() => {
    iotMock.reset();
    secretsMock.reset();
    iotMock.on(DescribeEndpointCommand, { endpointType: "iot:Data-ATS" }).resolves({
      endpointAddress: "abc123-ats.iot.eu-west-1.amazonaws.com",
    });
  });

  it("reads the endpoint from IoT and the claim credentials from the stage's secret", async () => {
    secretsMock.on(GetSecretValueCommand, { SecretId: "fleet/dev/claim-credentials" }).resolves({
      SecretString: JSON.stringify({
        certificateId: "c0ffee",
        certificatePem: "-----BEGIN CERTIFICATE-----\n",
        privateKeyPem: "-----BEGIN RSA PRIVATE KEY-----\n",
        templateName: "fleet-dev-provision",
        endpoint: "ignored",
      }),
    });
    expect(await fetchStageImageInputs("dev", clients())).toEqual({
      region: "eu-west-1",
      iotEndpoint: "abc123-ats.iot.eu-west-1.amazonaws.com",
      provisioningTemplate: "fleet-dev-provision",
      claimCertificatePem: "-----BEGIN CERTIFICATE-----\n",
      claimPrivateKeyPem: "-----BEGIN RSA PRIVATE KEY-----\n",
    });
  });

  it("says to deploy the stage when its claim credentials do not exist", async () => {
    secretsMock
      .on(GetSecretValueCommand)
      .rejects(Object.assign(new Error("not found"), { name: "ResourceNotFoundException" }));
    await expect(fetchStageImageInputs("dev", clients())).rejects.toThrow(
      /secret fleet\/dev\/claim-credentials not found.*sst deploy --stage dev/,
    );
  });
});
