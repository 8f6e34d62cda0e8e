// MQTT 3.1.1 section 3.1.4 lets a client send packets before its CONNACK. aedes queues the ones
// that share a read with the CONNECT, but one read later (after the CONNECT's batch, before the
// CONNACK) a SUBSCRIBE or PUBLISH reaches authorization while the CONNECT is still undecided; the
// broker refused it ("... from an unauthenticated connection") and closed the connection, as
// 10,000 clients connecting at once showed. Such a packet now waits for the CONNECT's verdict.
import { EventEmitter } from "node:events";
import type { Client, PublishPacket, Subscription } from "aedes";
import { describe, expect, it } from "vitest";
import { authorizePublish } from "../../src/iot-core/broker/authorize-publish.ts";
import { authorizeSubscribe } from "../../src/iot-core/broker/authorize-subscribe.ts";
import type { BrokerContext } from "../../src/iot-core/broker/broker-context.ts";
import { type Connection, newConnection } from "../../src/iot-core/broker/connection.ts";
import { EarlyPackets } from "../../src/iot-core/broker/early-packets.ts";
import { AWS_BROKER_QUOTAS } from "../../src/iot-core/broker-quotas.ts";
import { SessionTable } from "../../src/iot-core/sessions.ts";
import { captureLog } from "../capture-log.ts";

function brokerContext(): BrokerContext {
  return {
    logger: captureLog().logger,
    events: new EventEmitter(),
    quotas: AWS_BROKER_QUOTAS,
    connections: new WeakMap<Client, Connection>(),
    earlyPackets: new EarlyPackets(),
    sessions: new SessionTable<Connection>(),
    closing: false,
  };
}

/** An aedes client between its CONNECT and the verdict (only the fields the broker reads). */
function undecidedClient(): Client {
  return { id: "thing-1", connecting: true, connected: false, closed: false } as Client;
}

/** The connection `authenticate` records for an accepted CONNECT: its policy allows `thing-1/#`. */
function accepted(client: Client): Connection {
  const context = { clientId: "thing-1", certificateId: "cert-1", thingName: "thing-1" };
  return newConnection(
    client,
    { clientId: "thing-1", certificateId: "cert-1", certificateSubject: {} },
    {
      allowed: true,
      context,
      policies: [
        {
          name: "thing",
          document: {
            Version: "2012-10-17",
            Statement: [
              { Effect: "Allow", Action: ["iot:Subscribe"], Resource: "*" },
              { Effect: "Allow", Action: ["iot:Publish"], Resource: "*" },
            ],
          },
        },
      ],
    },
    { versionNumber: 1, remoteAddress: "127.0.0.1", publishesPerSecond: 100 },
  );
}

const subscription = { topic: "thing-1/in", qos: 1 } as Subscription;
const publish = { topic: "thing-1/out", payload: Buffer.from("{}"), qos: 0 } as PublishPacket;

describe("packets that reach authorization before their CONNECT is decided", () => {
  it("a SUBSCRIBE waits for the CONNACK, then is authorized as the connection's", () => {
    const broker = brokerContext();
    const client = undecidedClient();
    const answers: unknown[] = [];
    authorizeSubscribe(broker)(client, subscription, (error, granted) =>
      answers.push(error ?? granted),
    );
    expect(answers).toEqual([]);

    const connection = accepted(client);
    broker.connections.set(client, connection);
    broker.earlyPackets.settle(client, connection);
    expect(answers).toEqual([subscription]);
    expect(connection.subscriptions.has("thing-1/in")).toBe(true);
  });

  it("a PUBLISH waits for the CONNACK, then is authorized as the connection's", () => {
    const broker = brokerContext();
    const client = undecidedClient();
    const answers: unknown[] = [];
    authorizePublish(broker)(client, publish, (error) => answers.push(error));
    expect(answers).toEqual([]);

    const connection = accepted(client);
    broker.connections.set(client, connection);
    broker.earlyPackets.settle(client, connection);
    expect(answers).toEqual([null]);
  });

  it("a packet of a refused CONNECT is refused with it", () => {
    const broker = brokerContext();
    const client = undecidedClient();
    const answers: unknown[] = [];
    authorizeSubscribe(broker)(client, subscription, (error) => answers.push(error?.message));
    authorizePublish(broker)(client, publish, (error) => answers.push(error?.message));
    broker.earlyPackets.settle(client, undefined);
    expect(answers).toEqual([
      "SUBSCRIBE from an unauthenticated connection",
      "PUBLISH from an unauthenticated connection",
    ]);
  });

  it("a packet of a client that never sent a CONNECT is refused at once", () => {
    const broker = brokerContext();
    const client = { ...undecidedClient(), connecting: false } as Client;
    const answers: unknown[] = [];
    authorizeSubscribe(broker)(client, subscription, (error) => answers.push(error?.message));
    expect(answers).toEqual(["SUBSCRIBE from an unauthenticated connection"]);
  });
});
