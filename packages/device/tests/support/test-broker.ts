import { EventEmitter, once } from "node:events";
import type { AddressInfo, Socket } from "node:net";
import { createServer } from "node:tls";
import { Aedes, type AuthenticateError, type Client, type PublishPacket } from "aedes";
import type { TestPki } from "./test-pki.ts";

export interface BrokerEvents {
  /** A client completed CONNECT/CONNACK. */
  client: [clientId: string];
  /** A client's publish reached the broker. */
  publish: [packet: { clientId: string; topic: string; payload: string }];
  /** A client went away; `clean` when it sent MQTT DISCONNECT first. */
  clientDisconnect: [info: { clientId: string; clean: boolean }];
}

export interface TestBroker {
  readonly port: number;
  readonly events: EventEmitter<BrokerEvents>;
  /** Drops every connection and stops listening, as a broker outage would. */
  close(): Promise<void>;
}

export interface TestBrokerOptions {
  /** Listen here (to come back after an outage); default a free port. */
  port?: number;
  /** Refuse every CONNECT with return code 5 (not authorized). */
  refuse?: boolean;
}

/** aedes over node:tls with client certificates required and verified against the test CA. */
export async function startTestBroker(
  pki: TestPki,
  options: TestBrokerOptions = {},
): Promise<TestBroker> {
  const broker = await Aedes.createBroker({
    authenticate: (_client, _username, _password, done) => {
      if (!options.refuse) return done(null, true);
      const error = Object.assign(new Error("not authorized"), { returnCode: 5 });
      done(error as AuthenticateError, null);
    },
  });
  const events = new EventEmitter<BrokerEvents>();
  broker.on("clientReady", (client: Client) => events.emit("client", client.id));
  broker.on("publish", (packet: PublishPacket, client: Client | null) => {
    if (client === null) return;
    events.emit("publish", {
      clientId: client.id,
      topic: packet.topic,
      payload: packet.payload.toString(),
    });
  });
  broker.on("clientDisconnect", (client: Client) => {
    // aedes marks a client that sent DISCONNECT; nothing public exposes it.
    const clean = (client as unknown as { _disconnected?: boolean })._disconnected === true;
    events.emit("clientDisconnect", { clientId: client.id, clean });
  });

  const server = createServer(
    {
      ca: pki.caPem,
      cert: pki.server.certPem,
      key: pki.server.keyPem,
      requestCert: true,
      rejectUnauthorized: true,
    },
    broker.handle,
  );
  const sockets = new Set<Socket>();
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  server.listen(options.port ?? 0, "127.0.0.1");
  await once(server, "listening");

  return {
    port: (server.address() as AddressInfo).port,
    events,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await closed;
    },
  };
}
