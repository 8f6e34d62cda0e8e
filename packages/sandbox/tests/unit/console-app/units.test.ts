import { describe, expect, it } from "vitest";
import { countdown } from "../../../console-app/format.ts";
import { formatValue } from "../../../console-app/units.ts";

describe("the console's units, as Grafana names them", () => {
  it("scales bytes and bytes per second by powers of 1024", () => {
    expect(formatValue(512, "bytes")).toBe("512 B");
    expect(formatValue(3 * 1024 ** 3, "bytes")).toBe("3 GiB");
    expect(formatValue(1536, "Bps")).toBe("1.50 KiB/s");
  });

  it("shows seconds as a duration and suffixes the other units", () => {
    expect(formatValue(19_620, "s")).toBe("5h 27m");
    expect(formatValue(21.456, "celsius")).toBe("21.5 °C");
    expect(formatValue(3, "none", 0)).toBe("3");
    expect(formatValue(0.25, "unknown-unit")).toBe("0.25");
  });

  it("counts down to a certificate's expiry, and says how long ago it expired", () => {
    const now = Date.parse("2026-06-01T12:00:00.000Z");
    expect(countdown("2026-06-01T12:09:05.000Z", now)).toBe("9m 05s");
    expect(countdown("2026-06-03T15:00:00.000Z", now)).toBe("2d 3h");
    expect(countdown("2026-06-01T11:59:48.000Z", now)).toBe("expired 12s ago");
  });
});
