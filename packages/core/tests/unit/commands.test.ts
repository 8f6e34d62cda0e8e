import { describe, expect, it } from "vitest";
import {
  CommandAcceptedSchema,
  CommandRejectedSchema,
  CommandRequestSchema,
} from "../../src/contracts/commands.ts";
import { parseMessage } from "../../src/contracts/parse-message.ts";
import { commandTopics } from "../../src/contracts/topics.ts";
import { violation } from "./support.ts";

const topics = commandTopics("rpi-0001", "reboot");
const requestId = "3f0e8c4e-2a4b-4d51-9f0a-6a3c2b1d9e77";

describe("command contracts", () => {
  it("accepts a command request", () => {
    expect(
      parseMessage(
        CommandRequestSchema,
        JSON.stringify({ requestId, params: { delaySeconds: 5 } }),
        topics.request,
      ),
    ).toEqual({
      requestId,
      params: { delaySeconds: 5 },
    });
  });

  it("ignores request fields a device does not know yet", () => {
    expect(
      CommandRequestSchema.parse({ requestId, params: {}, expiresAt: "2026-11-22T00:00:00Z" }),
    ).toEqual({
      requestId,
      params: {},
    });
  });

  it("rejects a request id that is not a UUID", () => {
    const error = violation(() =>
      parseMessage(
        CommandRequestSchema,
        JSON.stringify({ requestId: "42", params: {} }),
        topics.request,
      ),
    );
    expect(error.issues.map((issue) => issue.path)).toEqual(["requestId"]);
  });

  it("rejects a request without params", () => {
    const error = violation(() =>
      parseMessage(CommandRequestSchema, JSON.stringify({ requestId }), topics.request),
    );
    expect(error.issues.map((issue) => issue.path)).toEqual(["params"]);
  });

  it("accepts accepted replies with and without a result", () => {
    expect(CommandAcceptedSchema.parse({ requestId })).toEqual({ requestId });
    expect(CommandAcceptedSchema.parse({ requestId, result: { rebootAt: "soon" } }).result).toEqual(
      { rebootAt: "soon" },
    );
  });

  it("accepts a rejected reply", () => {
    const reply = {
      requestId,
      errorCode: "UNKNOWN_COMMAND",
      errorMessage: "no handler for reboot",
    };
    expect(parseMessage(CommandRejectedSchema, JSON.stringify(reply), topics.rejected)).toEqual(
      reply,
    );
  });

  it("rejects replies with unknown fields", () => {
    const error = violation(() =>
      parseMessage(
        CommandAcceptedSchema,
        JSON.stringify({ requestId, status: "ok" }),
        topics.accepted,
      ),
    );
    expect(error.message).toContain('"status"');
  });

  it("rejects a rejected reply without an error code", () => {
    const error = violation(() =>
      parseMessage(
        CommandRejectedSchema,
        JSON.stringify({ requestId, errorMessage: "nope" }),
        topics.rejected,
      ),
    );
    expect(error.issues.map((issue) => issue.path)).toEqual(["errorCode"]);
  });
});
