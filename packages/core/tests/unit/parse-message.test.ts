import { describe, expect, it } from "vitest";
import * as z from "zod";
import { parseMessage } from "../../src/contracts/parse-message.ts";
import { FleetError } from "../../src/errors.ts";
import { violation } from "./support.ts";

const Schema = z.object({ name: z.string(), nested: z.object({ count: z.number().int() }) });
const where = "dt/rpi-0001/telemetry";

describe("parseMessage", () => {
  it("returns the parsed message from a Buffer or a string", () => {
    const json = JSON.stringify({ name: "a", nested: { count: 1 } });
    expect(parseMessage(Schema, Buffer.from(json), where)).toEqual({
      name: "a",
      nested: { count: 1 },
    });
    expect(parseMessage(Schema, json, where)).toEqual({ name: "a", nested: { count: 1 } });
  });

  it("refuses invalid JSON, naming where it came from", () => {
    const error = violation(() => parseMessage(Schema, "{name:", where));
    expect(error).toBeInstanceOf(FleetError);
    expect(error.name).toBe("ContractViolationError");
    expect(error.kind).toBe("invalid-json");
    expect(error.where).toBe(where);
    expect(error.message).toMatch(
      /^Invalid message on dt\/rpi-0001\/telemetry: expected UTF-8 JSON \(.+\)$/,
    );
    expect(error.cause).toBeInstanceOf(SyntaxError);
  });

  it("refuses a payload that is not UTF-8", () => {
    const error = violation(() => parseMessage(Schema, Buffer.from([0x7b, 0xff, 0x7d]), where));
    expect(error.kind).toBe("invalid-json");
  });

  it("names every failing field path and what was expected", () => {
    const error = violation(() =>
      parseMessage(Schema, JSON.stringify({ nested: { count: "3" } }), where),
    );
    expect(error.kind).toBe("invalid-content");
    expect(error.issues).toEqual([
      { path: "name", message: "Invalid input: expected string, received undefined" },
      { path: "nested.count", message: "Invalid input: expected number, received string" },
    ]);
    expect(error.message).toBe(
      "Invalid message on dt/rpi-0001/telemetry: name: Invalid input: expected string, received undefined; nested.count: Invalid input: expected number, received string",
    );
  });

  it("reports a payload of the wrong type without a field path", () => {
    const error = violation(() => parseMessage(Schema, "[]", where));
    expect(error.issues).toEqual([
      { path: "", message: "Invalid input: expected object, received array" },
    ]);
  });
});
