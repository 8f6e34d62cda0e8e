/** One message the device-logs rule stored: the rule's output as text, in the order stored. */
export interface StoredDeviceLogEvent {
  /** Unique within the store (CloudWatch's eventId; the sandbox store's sequence number). */
  id: string;
  /** When the store received it (CloudWatch's ingestion time). */
  storedAt: Date;
  /** The rule's output: a `DeviceLogRecord` as JSON, unless a device sent something else. */
  text: string;
}

export interface DeviceLogEventQuery {
  thingName: string;
  /** Events stored at or after this time. */
  since: Date;
  /** Most events to return: the newest ones. */
  limit: number;
}

/**
 * Where the device-logs topic rule stores what devices ship: a CloudWatch Logs group on a stage,
 * an in-memory store bounded per device in the sandbox.
 */
export interface DeviceLogEvents {
  /** The thing's events stored since `since`, oldest first. */
  find(query: DeviceLogEventQuery): Promise<StoredDeviceLogEvent[]>;
}
