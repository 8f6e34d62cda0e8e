import type { Client } from "aedes";
import type { Logger } from "pino";
import type { SandboxEvents } from "../broker-events.ts";
import type { BrokerQuotas } from "../broker-quotas.ts";
import type { SessionTable } from "../sessions.ts";
import type { Connection } from "./connection.ts";
import type { EarlyPackets } from "./early-packets.ts";

/** What the broker's parts share; `startMqttBroker` builds one per broker. */
export interface BrokerContext {
  readonly logger: Logger;
  readonly events: SandboxEvents;
  readonly quotas: Readonly<BrokerQuotas>;
  /** Every authenticated connection, from its CONNECT on. */
  readonly connections: WeakMap<Client, Connection>;
  /** Packets that came with their CONNECT, waiting for its verdict. */
  readonly earlyPackets: EarlyPackets;
  /** The connections that got their CONNACK, by client id. */
  readonly sessions: SessionTable<Connection>;
  /** Set once the broker is closing: no more lifecycle events or TLS refusals are reported. */
  closing: boolean;
}
