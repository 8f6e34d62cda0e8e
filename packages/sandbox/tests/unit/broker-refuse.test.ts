import { EventEmitter } from "node:events";
import type { Client } from "aedes";
import { describe, expect, it } from "vitest";
import type { BrokerContext } from "../../src/iot-core/broker/broker-context.ts";
import type { Connection } from "../../src/iot-core/broker/connection.ts";
import { EarlyPackets } from "../../src/iot-core/broker/early-packets.ts";
import { refuse } from "../../src/iot-core/broker/refuse.ts";
import type { SandboxEvent, SandboxEvents } from "../../src/iot-core/broker-events.ts";
import { AWS_BROKER_QUOTAS } from "../../src/iot-core/broker-quotas.ts";
import { SessionTable } from "../../src/iot-core/sessions.ts";
import { captureLog } from "../capture-log.ts";

function brokerContext() {
  const { logger, lines } = captureLog();
  const events: SandboxEvents = new EventEmitter();
  const emitted: SandboxEvent[] = [];
  events.on("event", (event) => emitted.push(event));
  const broker: BrokerContext = {
    logger,
    events,
    quotas: AWS_BROKER_QUOTAS,
    connections: new WeakMap<Client, Connection>(),
    earlyPackets: new EarlyPackets(),
    sessions: new SessionTable<Connection>(),
    closing: false,
  };
  return { broker, lines, emitted };
}

/** Only the fields `refuse` reads and writes. */
function connection(): Connection {
  return { clientId: "thing-1", certificateId: "cert-1", ending: undefined } as Connection;
}

describe("the broker's refusals", () => {
  it("report a policy denial each time, and keep the first reason the connection ends", () => {
    const { broker, lines, emitted } = brokerContext();
    const denied = connection();
    for (const topic of ["a/1", "a/2"]) {
      refuse(broker, {
        of: "publish",
        connection: denied,
        topic,
        ending: "AUTH_ERROR",
        reason: `no ${topic}`,
      });
    }
    expect(denied.ending).toEqual({ reason: "AUTH_ERROR", detail: "no a/1" });
    expect(emitted.map((event) => event.kind)).toEqual(["publish-denied", "publish-denied"]);
    expect(lines.map((line) => line.msg)).toEqual(["publish denied", "publish denied"]);
  });

  it("report a limit only when it is what ends the connection", () => {
    const { broker, lines, emitted } = brokerContext();
    const flooding = connection();
    for (let i = 0; i < 3; i++) {
      refuse(broker, {
        of: "publish",
        connection: flooding,
        topic: "t",
        ending: "THROTTLED",
        reason: "rate",
      });
    }
    refuse(broker, {
      of: "subscribe",
      connection: flooding,
      topicFilter: "f/#",
      ending: "CLIENT_ERROR",
      reason: "quota",
    });
    expect(flooding.ending).toEqual({ reason: "THROTTLED", detail: "rate" });
    expect(emitted).toEqual([
      expect.objectContaining({
        kind: "publish-throttled",
        clientId: "thing-1",
        certificateId: "cert-1",
        topic: "t",
      }),
    ]);
    expect(lines).toEqual([
      expect.objectContaining({ msg: "publish throttled", clientId: "thing-1", topic: "t" }),
    ]);
  });

  it("name the certificate of a refused CONNECT once it was read", () => {
    const { broker, emitted } = brokerContext();
    refuse(broker, { of: "connect", clientId: "c", reason: "throttled" });
    refuse(broker, { of: "connect", clientId: "c", certificateId: "cert-1", reason: "revoked" });
    expect(emitted[0]).not.toHaveProperty("certificateId");
    expect(emitted[1]).toMatchObject({
      kind: "connect-refused",
      clientId: "c",
      certificateId: "cert-1",
      reason: "revoked",
    });
  });
});
