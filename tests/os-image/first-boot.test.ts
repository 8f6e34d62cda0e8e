import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseDeviceConfig } from "@fleet/device";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { run } from "./debian-tools.ts";

const FIRSTBOOT = fileURLToPath(
  new URL("../../os-image/files/fleet-firstboot.sh", import.meta.url),
);

// As root the fixture uses distinct ids so ownership is really checked; otherwise the
// test's own ids, the only ones a non-root chown accepts.
const asRoot = process.getuid?.() === 0;
const ROOT_UID = asRoot ? 0 : (process.getuid?.() ?? 0);
const FLEET_UID = asRoot ? 990 : ROOT_UID;
const FLEET_GID = asRoot ? 991 : (process.getgid?.() ?? 0);

const ENDPOINT_ENV = [
  "FLEET_ENDPOINT_HOST=abc123-ats.iot.eu-west-1.amazonaws.com",
  "FLEET_ENDPOINT_PORT=8883",
  "FLEET_TEMPLATE_NAME=fleet-prod-provision",
  "FLEET_CA_FILE=/etc/fleet/root-ca.pem",
  "FLEET_CLAIM_CERT_FILE=/etc/fleet/claim/claim.cert.pem",
  "FLEET_CLAIM_KEY_FILE=/etc/fleet/claim/claim.key.pem",
  "FLEET_RELEASE_PUBLIC_KEY_FILE=/etc/fleet/release-key.pub.pem",
  "",
].join("\n");

let root: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "fleet-firstboot-"));
  await put(
    "etc/passwd",
    `root:x:${ROOT_UID}:0::/root:/bin/sh\nfleet:x:${FLEET_UID}:${FLEET_GID}::/var/lib/fleet:/usr/sbin/nologin\n`,
  );
  await put("etc/group", `root:x:0:\nfleet:x:${FLEET_GID}:\n`);
  await put("etc/fleet/endpoint.env", ENDPOINT_ENV);
  await put("etc/machine-id", "4f1c2e8a9b7d4c3e8f2a1b0c9d8e7f6a\n");
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function put(path: string, content: string): Promise<void> {
  const file = join(root, path);
  await mkdir(join(file, ".."), { recursive: true });
  await writeFile(file, content);
}

function firstBoot() {
  return run("sh", [FIRSTBOOT], { env: { PATH: process.env.PATH, FLEET_ROOT: root } });
}

async function deviceConfig(): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(join(root, "etc/fleet/device.json"), "utf8"));
}

describe("fleet-firstboot.sh", () => {
  it("takes the serial from the device tree (NUL-terminated) on a Raspberry Pi", async () => {
    await put("proc/device-tree/serial-number", "10000000a1b2c3d4\0");
    await put("sys/class/dmi/id/product_serial", "DMI-SHOULD-NOT-WIN\n");
    const result = firstBoot();
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect((await deviceConfig()).serial).toBe("10000000a1b2c3d4");
  });

  it("reads the device tree under /sys/firmware when /proc/device-tree is absent", async () => {
    await put("sys/firmware/devicetree/base/serial-number", "00000000deadbeef\0");
    expect(firstBoot().status).toBe(0);
    expect((await deviceConfig()).serial).toBe("00000000deadbeef");
  });

  it("takes the DMI product serial on a UEFI board, mapping other characters to '-'", async () => {
    await put("sys/class/dmi/id/product_serial", "  SR 2024/0042.A \n");
    expect(firstBoot().status).toBe(0);
    expect((await deviceConfig()).serial).toBe("SR-2024-0042-A");
  });

  it.each(["To Be Filled By O.E.M.", "Not Specified", "0", "Default string", "0000000000"])(
    "falls back to the machine id when DMI holds the placeholder %j",
    async (placeholder) => {
      await put("sys/class/dmi/id/product_serial", `${placeholder}\n`);
      expect(firstBoot().status).toBe(0);
      expect((await deviceConfig()).serial).toBe("4f1c2e8a9b7d4c3e8f2a1b0c9d8e7f6a");
    },
  );

  it("uses the machine id when the board has no hardware serial", async () => {
    expect(firstBoot().status).toBe(0);
    expect((await deviceConfig()).serial).toBe("4f1c2e8a9b7d4c3e8f2a1b0c9d8e7f6a");
  });

  it("writes a config the device client accepts, with the endpoint and claim settings baked into the image", async () => {
    await put("proc/device-tree/serial-number", "10000000a1b2c3d4\0");
    expect(firstBoot().status).toBe(0);
    const config = parseDeviceConfig(await deviceConfig(), "device.json");
    expect(config.endpoint).toEqual({ host: "abc123-ats.iot.eu-west-1.amazonaws.com", port: 8883 });
    expect(config.tls).toEqual({
      caFile: "/etc/fleet/root-ca.pem",
      certFile: "/var/lib/fleet/credentials/cert.pem",
      keyFile: "/var/lib/fleet/credentials/key.pem",
    });
    expect(config.provisioning).toMatchObject({
      claimCertFile: "/etc/fleet/claim/claim.cert.pem",
      claimKeyFile: "/etc/fleet/claim/claim.key.pem",
      templateName: "fleet-prod-provision",
    });
    expect(config.stateDir).toBe("/var/lib/fleet");
    expect(config.apps.releasePublicKeyFile).toBe("/etc/fleet/release-key.pub.pem");
  });

  it("makes the config readable by the service group only and the state directory the service user's alone", async () => {
    expect(firstBoot().status).toBe(0);
    const config = await stat(join(root, "etc/fleet/device.json"));
    expect(config.mode & 0o777).toBe(0o640);
    expect([config.uid, config.gid]).toEqual([ROOT_UID, FLEET_GID]);
    const state = await stat(join(root, "var/lib/fleet"));
    expect(state.mode & 0o777).toBe(0o700);
    expect([state.uid, state.gid]).toEqual([FLEET_UID, FLEET_GID]);
    expect(await readdir(join(root, "var/lib/fleet"))).toEqual([".firstboot-done"]);
    expect(await readdir(join(root, "etc/fleet"))).toEqual(["device.json", "endpoint.env"]);
  });

  it("changes nothing on a second boot, even if the hardware serial source changed", async () => {
    await put("proc/device-tree/serial-number", "10000000a1b2c3d4\0");
    expect(firstBoot().status).toBe(0);
    const before = await snapshot();
    await put("proc/device-tree/serial-number", "10000000ffffffff\0");
    const second = firstBoot();
    expect(second.status).toBe(0);
    expect(await snapshot()).toEqual(before);
  });

  it("never overwrites an existing config, and still prepares the state directory", async () => {
    await put("etc/fleet/device.json", '{"serial":"operator-set"}');
    expect(firstBoot().status).toBe(0);
    expect(await deviceConfig()).toEqual({ serial: "operator-set" });
    expect((await stat(join(root, "var/lib/fleet/.firstboot-done"))).isFile()).toBe(true);
  });

  it("fails naming the setting when the baked endpoint file is incomplete, and is not marked done", async () => {
    await put("etc/fleet/endpoint.env", "FLEET_ENDPOINT_HOST=bad host!\n");
    const result = firstBoot();
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain("FLEET_ENDPOINT_HOST='bad host!' is missing or invalid");
    await expect(stat(join(root, "etc/fleet/device.json"))).rejects.toThrow(/ENOENT/);
    await expect(stat(join(root, "var/lib/fleet/.firstboot-done"))).rejects.toThrow(/ENOENT/);
  });

  it("selects MQTT on port 443 with ALPN x-amzn-mqtt-ca when the image's endpoint settings say so", async () => {
    await put(
      "etc/fleet/endpoint.env",
      ENDPOINT_ENV.replace(
        "FLEET_ENDPOINT_PORT=8883",
        "FLEET_ENDPOINT_PORT=443\nFLEET_ENDPOINT_ALPN=x-amzn-mqtt-ca",
      ),
    );
    await put("proc/device-tree/serial-number", "10000000a1b2c3d4\0");
    expect(firstBoot().status).toBe(0);
    const config = parseDeviceConfig(await deviceConfig(), "device.json");
    expect(config.endpoint).toEqual({
      host: "abc123-ats.iot.eu-west-1.amazonaws.com",
      port: 443,
      alpn: "x-amzn-mqtt-ca",
    });
  });

  it("refuses an ALPN setting that would need escaping in the config", async () => {
    await put("etc/fleet/endpoint.env", `${ENDPOINT_ENV}FLEET_ENDPOINT_ALPN=x"y\n`);
    const result = firstBoot();
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain("FLEET_ENDPOINT_ALPN='x\"y' is missing or invalid");
  });

  describe("fleet-boot.txt on the boot (FAT) partition", () => {
    const wifiConf = () => join(root, "etc/wpa_supplicant/wpa_supplicant-wlan0.conf");

    it("sets the hostname and the Wi-Fi network, then deletes the file (it holds the passphrase)", async () => {
      await put(
        "boot/efi/fleet-boot.txt",
        '# written on a laptop\r\nhostname=greenhouse-7\r\n\r\nwifi_ssid=Cafe "Zur Post" 2.4\r\nwifi_psk=correct horse battery\r\nwifi_country=DE\r\n',
      );
      const result = firstBoot();
      expect(result.status).toBe(0);
      expect(await readFile(join(root, "etc/hostname"), "utf8")).toBe("greenhouse-7\n");
      const ssidHex = Buffer.from('Cafe "Zur Post" 2.4').toString("hex");
      expect(await readFile(wifiConf(), "utf8")).toBe(
        `ctrl_interface=DIR=/run/wpa_supplicant\ncountry=DE\nnetwork={\n  ssid=${ssidHex}\n  psk="correct horse battery"\n}\n`,
      );
      expect((await stat(wifiConf())).mode & 0o777).toBe(0o600);
      await expect(stat(join(root, "boot/efi/fleet-boot.txt"))).rejects.toThrow(/ENOENT/);
      expect((await deviceConfig()).serial).toBe("4f1c2e8a9b7d4c3e8f2a1b0c9d8e7f6a");
    });

    it("takes a raw 64-hex-digit key unquoted, and reads the Raspberry Pi's /boot/firmware", async () => {
      const key = "a".repeat(64);
      await put("boot/firmware/fleet-boot.txt", `wifi_ssid=lab\nwifi_psk=${key}\n`);
      expect(firstBoot().status).toBe(0);
      expect(await readFile(wifiConf(), "utf8")).toContain(`\n  psk=${key}\n`);
    });

    it("stops the first boot naming an unknown line, and is not marked done", async () => {
      await put("boot/efi/fleet-boot.txt", "hostname=ok\nwifi_pass=typo\n");
      const result = firstBoot();
      expect(result.status).not.toBe(0);
      expect(result.stderr).toContain("unknown line 'wifi_pass=typo'");
      await expect(stat(join(root, "var/lib/fleet/.firstboot-done"))).rejects.toThrow(/ENOENT/);
    });

    it.each([
      ["hostname=-bad-", "hostname '-bad-' is not"],
      ['wifi_ssid=lab\nwifi_psk=has"quote', "wifi_psk must be 8-63"],
      ["wifi_ssid=lab\nwifi_psk=short", "wifi_psk must be 8-63"],
      [`wifi_ssid=${"x".repeat(33)}\nwifi_psk=longenough`, "wifi_ssid must be 1-32"],
      ["wifi_ssid=lab\nwifi_psk=longenough\nwifi_country=Germany", "wifi_country 'Germany'"],
    ])("refuses %j", async (settings, message) => {
      await put("boot/efi/fleet-boot.txt", `${settings}\n`);
      const result = firstBoot();
      expect(result.status).not.toBe(0);
      expect(result.stderr).toContain(message);
    });
  });

  it("fails with a clear message when the image has no fleet user", async () => {
    await put("etc/passwd", `root:x:${ROOT_UID}:0::/root:/bin/sh\n`);
    const result = firstBoot();
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain("no 'fleet' user");
  });
});

/** Path → [mode, uid, gid, mtime, content] of everything first boot may write (etc, var). */
async function snapshot(): Promise<Record<string, unknown>> {
  const entries = [
    ...(await readdir(join(root, "etc"), { recursive: true })).map((e) => join("etc", e)),
    ...(await readdir(join(root, "var"), { recursive: true })).map((e) => join("var", e)),
  ];
  const result: Record<string, unknown> = {};
  for (const entry of entries.sort()) {
    const path = join(root, entry);
    const info = await stat(path);
    result[entry] = [
      info.mode,
      info.uid,
      info.gid,
      info.mtimeMs,
      info.isFile() ? await readFile(path, "utf8") : null,
    ];
  }
  return result;
}
