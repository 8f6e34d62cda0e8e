import type { Aedes, Client } from "aedes";
import type { Connection } from "./connection.ts";

type Waiter = (connection: Connection | undefined) => void;

/**
 * MQTT 3.1.1 lets a client send packets after its CONNECT without waiting for the CONNACK
 * (section 3.1.4). aedes handles every packet of one read at once, so a SUBSCRIBE or PUBLISH that
 * came with its CONNECT reaches authorization while the CONNECT is still being decided. Such a
 * packet waits here for the verdict: authorized after the CONNACK (so its SUBACK or delivery
 * follows it), refused with the CONNECT. Keyed weakly: a client that vanishes takes its waiters.
 */
export class EarlyPackets {
  readonly #waiting = new WeakMap<Client, Waiter[]>();

  /** Whether `client` is between its CONNECT and the verdict, so a packet of it should wait. */
  isUndecided(client: Client): boolean {
    return client.connecting && !client.connected;
  }

  /** Runs `then` with the client's connection once it has its CONNACK, or undefined if refused. */
  wait(client: Client, then: Waiter): void {
    const waiting = this.#waiting.get(client);
    if (waiting) waiting.push(then);
    else this.#waiting.set(client, [then]);
  }

  /** The CONNECT is decided: its waiting packets go on (connection) or are refused (undefined). */
  settle(client: Client, connection: Connection | undefined): void {
    const waiting = this.#waiting.get(client);
    if (waiting === undefined) return;
    this.#waiting.delete(client);
    for (const then of waiting) then(connection);
  }

  /** Lets packets wait for the CONNACK that aedes sends an accepted client. */
  settleOnConnack(aedes: Aedes, connections: WeakMap<Client, Connection>): void {
    aedes.on("connackSent", (_packet, client) => this.settle(client, connections.get(client)));
  }
}
