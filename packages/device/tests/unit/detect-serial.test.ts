import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { SerialNotFoundError } from "../../src/errors.ts";
import { detectSerial } from "../../src/identity/detect-serial.ts";

const FIXTURES = fileURLToPath(new URL("../fixtures/serial/", import.meta.url));
const root = (name: string) => join(FIXTURES, name);

describe("detectSerial", () => {
  it("reads a Raspberry Pi's device-tree serial without its trailing NUL", async () => {
    expect(await detectSerial({ root: root("raspberry-pi") })).toBe("10000000a3c2f1e7");
  });

  it("falls back to the DMI product serial of a UEFI board", async () => {
    expect(await detectSerial({ root: root("uefi") })).toBe("SRX-2026-000417");
  });

  it("prefers the config override and reads no file", async () => {
    expect(await detectSerial({ override: "press-line-4", root: root("raspberry-pi") })).toBe(
      "press-line-4",
    );
  });

  it("names every source tried when none holds a valid serial", async () => {
    const error = await detectSerial({ root: root("uefi-placeholder") }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SerialNotFoundError);
    const tried = (error as SerialNotFoundError).tried;
    expect(tried).toEqual([
      {
        source: join(root("uefi-placeholder"), "sys/firmware/devicetree/base/serial-number"),
        reason: "ENOENT",
      },
      {
        source: join(root("uefi-placeholder"), "sys/class/dmi/id/product_serial"),
        reason: '"To Be Filled By O.E.M." is not a valid serial',
      },
    ]);
    expect((error as Error).message).toMatch(
      /^cannot determine the device serial \(set "serial" in the config\); tried .*serial-number: ENOENT; .*product_serial: "To Be Filled By O\.E\.M\." is not a valid serial$/,
    );
  });
});
