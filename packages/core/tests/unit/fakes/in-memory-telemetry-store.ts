import type {
  DeadLetter,
  DeadLetterSink,
  RejectedPoint,
  TelemetryPoint,
  TelemetryQuery,
  TelemetryReader,
  TelemetrySample,
  TelemetryStore,
} from "../../../src/ports/index.ts";
import { Faults } from "./faults.ts";

/**
 * A TelemetryStore and reader over an array. `refuse` decides per point whether the store
 * rejects it (as Timestream RejectedRecords); `faults` (operation "write") make a whole call throw.
 */
export class InMemoryTelemetryStore implements TelemetryStore, TelemetryReader {
  readonly maxPointsPerWrite: number;
  readonly maxMessagesPerWrite?: number;
  readonly points: TelemetryPoint[] = [];
  /** Every write call's points, in call order. */
  readonly calls: TelemetryPoint[][] = [];
  readonly faults = new Faults();
  refuse: (point: TelemetryPoint) => Omit<RejectedPoint, "index"> | null = () => null;

  constructor(options: { maxPointsPerWrite?: number; maxMessagesPerWrite?: number } = {}) {
    this.maxPointsPerWrite = options.maxPointsPerWrite ?? 100;
    if (options.maxMessagesPerWrite !== undefined) {
      this.maxMessagesPerWrite = options.maxMessagesPerWrite;
    }
  }

  async write(points: readonly TelemetryPoint[]): Promise<{ rejected: RejectedPoint[] }> {
    if (points.length > this.maxPointsPerWrite) {
      throw new Error(`write of ${points.length} points over ${this.maxPointsPerWrite}`);
    }
    const messages = new Set(points.map((p) => `${p.thing}#${p.seq}`)).size;
    if (this.maxMessagesPerWrite !== undefined && messages > this.maxMessagesPerWrite) {
      throw new Error(`write of ${messages} messages over ${this.maxMessagesPerWrite}`);
    }
    this.calls.push([...points]);
    this.faults.check("write", points);
    const rejected: RejectedPoint[] = [];
    points.forEach((point, index) => {
      const refusal = this.refuse(point);
      if (refusal === null) this.points.push(point);
      else rejected.push({ index, ...refusal });
    });
    return { rejected };
  }

  async query(query: TelemetryQuery): Promise<TelemetrySample[]> {
    const samples = this.points
      .filter(
        (point) =>
          point.thing === query.thing &&
          point.time >= query.since &&
          (query.until === undefined || point.time <= query.until),
      )
      .flatMap((point) =>
        Object.entries(point.measures).map(([name, value]) => ({
          thing: point.thing,
          time: point.time,
          seq: point.seq,
          measure: `${point.section}.${name}`,
          value,
        })),
      )
      .filter((sample) => query.measure === undefined || sample.measure === query.measure);
    // Newest first; a stable sort keeps the written order of one time's measures.
    samples.sort((a, b) => b.time.getTime() - a.time.getTime());
    return samples.slice(0, query.limit ?? 1000);
  }
}

/** A DeadLetterSink over an array; `faults` (operation "put") make a call throw. */
export class InMemoryDeadLetterSink implements DeadLetterSink {
  readonly letters: DeadLetter[] = [];
  readonly faults = new Faults();

  async put(letters: readonly DeadLetter[]): Promise<void> {
    this.faults.check("put", letters);
    this.letters.push(...letters);
  }
}
