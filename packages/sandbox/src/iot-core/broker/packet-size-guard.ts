import type { Client } from "aedes";
import { PacketTooLargeError } from "../../errors.ts";

/** The part of mqtt-packet's parser (aedes' `client._parser`) the guard hooks into. */
interface PacketParser {
  packet: { cmd?: string; length: number };
  _parseLength(): boolean;
  _emitError(error: Error): void;
}

/**
 * Refuses any MQTT packet whose fixed header announces more than `maxBytes`, as soon as the
 * header is read: the parser would otherwise buffer the whole body (up to MQTT's 256 MiB) before
 * anyone could look at it. aedes 1.x has no packet size option, so this wraps the client's
 * parser; the error ends the connection the way a malformed packet does (aedes `clientError`).
 * Throws at once if aedes' parser no longer has this shape, so an upgrade cannot silently drop
 * the limit.
 */
export function limitPacketSize(client: Client, maxBytes: number): void {
  const parser = (client as Client & { _parser?: PacketParser })._parser;
  if (typeof parser?._parseLength !== "function" || typeof parser._emitError !== "function") {
    throw new TypeError("aedes client has no mqtt-packet parser to limit");
  }
  const parseLength = parser._parseLength;
  parser._parseLength = function guardedParseLength(this: PacketParser) {
    if (!parseLength.call(this)) return false;
    if (this.packet.length <= maxBytes) return true;
    this._emitError(
      new PacketTooLargeError(this.packet.cmd ?? "unknown", this.packet.length, maxBytes),
    );
    return false;
  };
}
