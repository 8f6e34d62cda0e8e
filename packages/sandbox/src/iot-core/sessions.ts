/** A live MQTT connection the broker has accepted. */
export interface Session {
  clientId: string;
  certificateId: string;
  thingName?: string;
  /** ISO 8601 time the CONNACK was sent. */
  connectedAt: string;
  remoteAddress?: string;
  /** Identifies this connection in lifecycle events (AWS `sessionIdentifier`). */
  sessionIdentifier: string;
}

/** Read-only view of the live sessions, for the HTTP API: is this device connected right now? */
export interface Sessions {
  get(clientId: string): Session | undefined;
  has(clientId: string): boolean;
  list(): Session[];
  byCertificate(certificateId: string): Session[];
}

/** The broker's table: one entry per client id, each holding the broker's own handle too. */
export class SessionTable<Handle> implements Sessions {
  readonly #entries = new Map<string, { session: Session; handle: Handle }>();

  get(clientId: string): Session | undefined {
    const entry = this.#entries.get(clientId);
    return entry && { ...entry.session };
  }

  has(clientId: string): boolean {
    return this.#entries.has(clientId);
  }

  list(): Session[] {
    return [...this.#entries.values()].map(({ session }) => ({ ...session }));
  }

  byCertificate(certificateId: string): Session[] {
    return this.list().filter((session) => session.certificateId === certificateId);
  }

  handle(clientId: string): Handle | undefined {
    return this.#entries.get(clientId)?.handle;
  }

  handles(): Handle[] {
    return [...this.#entries.values()].map(({ handle }) => handle);
  }

  add(session: Session, handle: Handle): void {
    this.#entries.set(session.clientId, { session, handle });
  }

  /** Removes the entry only if it still belongs to `handle`: a newer connection may own the id. */
  remove(clientId: string, handle: Handle): void {
    if (this.#entries.get(clientId)?.handle === handle) this.#entries.delete(clientId);
  }
}
