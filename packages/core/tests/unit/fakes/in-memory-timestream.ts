import {
  type ColumnInfo,
  QueryCommand,
  type QueryCommandOutput,
  type Row,
  TimestreamQueryClient,
} from "@aws-sdk/client-timestream-query";
import {
  TimestreamWriteClient,
  WriteRecordsCommand,
  type WriteRecordsCommandInput,
} from "@aws-sdk/client-timestream-write";
import { mockClient } from "aws-sdk-client-mock";

interface StoredRecord {
  thing: string;
  measureName: string;
  time: number;
  version: number;
  measures: Map<string, { type: string; value: string }>;
}

// The reader's SQL, and nothing else: a query of another shape fails the test.
const QUERY =
  /^SELECT \* FROM "((?:[^"]|"")+)"\."((?:[^"]|"")+)" WHERE "thing" = '((?:[^']|'')*)' AND time >= from_milliseconds\((\d+)\)(?: AND time <= from_milliseconds\((\d+)\))?(?: AND "((?:[^"]|"")*)" IS NOT NULL)? ORDER BY time DESC LIMIT (\d+)$/;

const unquote = (text: string | undefined, quote: string) => text?.replaceAll(quote + quote, quote);

/**
 * A Timestream table behind aws-sdk-client-mock: WriteRecords stores MULTI records (upserting
 * by thing, measure name and time as Timestream does), Query answers the reader's SQL the way
 * Timestream shapes a multi-measure table (one column per measure name ever written, NULL
 * where a record lacks it), `pageSize` rows per page.
 */
export function inMemoryTimestream(options: { pageSize?: number } = {}) {
  const writeClient = new TimestreamWriteClient({ region: "eu-west-1" });
  const queryClient = new TimestreamQueryClient({ region: "eu-west-1" });
  const write = mockClient(writeClient);
  const query = mockClient(queryClient);
  const records: StoredRecord[] = [];
  const queries: string[] = [];

  write.on(WriteRecordsCommand).callsFake(async (input: WriteRecordsCommandInput) => {
    for (const record of input.Records ?? []) {
      const dimensions = [
        ...(input.CommonAttributes?.Dimensions ?? []),
        ...(record.Dimensions ?? []),
      ];
      const stored: StoredRecord = {
        thing: dimensions.find((d) => d.Name === "thing")?.Value ?? "",
        measureName: record.MeasureName ?? "",
        time: Number(record.Time),
        version: record.Version ?? 1,
        measures: new Map(
          (record.MeasureValues ?? []).map((m) => [
            m.Name ?? "",
            { type: m.Type ?? "", value: m.Value ?? "" },
          ]),
        ),
      };
      const same = records.findIndex(
        (r) =>
          r.thing === stored.thing &&
          r.measureName === stored.measureName &&
          r.time === stored.time,
      );
      if (same >= 0) records.splice(same, 1, stored);
      else records.push(stored);
    }
    return {};
  });

  query.on(QueryCommand).callsFake(async (input): Promise<Partial<QueryCommandOutput>> => {
    const sql = input.QueryString ?? "";
    queries.push(sql);
    const match = QUERY.exec(sql);
    if (match === null) throw new Error(`unexpected SQL: ${sql}`);
    const [, , , thing, since, until, measure, limit] = match;
    const selected = records
      .filter(
        (r) =>
          r.thing === unquote(thing, "'") &&
          r.time >= Number(since) &&
          (until === undefined || r.time <= Number(until)) &&
          (measure === undefined || r.measures.has(unquote(measure, '"') ?? "")),
      )
      .sort((a, b) => b.time - a.time)
      .slice(0, Number(limit));
    const attributes = new Map<string, string>();
    for (const record of records) {
      for (const [name, { type }] of record.measures) attributes.set(name, type);
    }
    const columns: ColumnInfo[] = [
      { Name: "thing", Type: { ScalarType: "VARCHAR" } },
      { Name: "measure_name", Type: { ScalarType: "VARCHAR" } },
      { Name: "time", Type: { ScalarType: "TIMESTAMP" } },
      ...[...attributes].map(([name, type]) => ({
        Name: name,
        Type: { ScalarType: type as "VARCHAR" },
      })),
    ];
    const rows: Row[] = selected.map((r) => ({
      Data: [
        { ScalarValue: r.thing },
        { ScalarValue: r.measureName },
        {
          ScalarValue: `${new Date(r.time).toISOString().replace("T", " ").replace("Z", "")}000000`,
        },
        ...[...attributes.keys()].map((name) => {
          const value = r.measures.get(name);
          return value === undefined ? { NullValue: true } : { ScalarValue: value.value };
        }),
      ],
    }));
    const pageSize = options.pageSize ?? 2;
    const offset = Number(input.NextToken ?? 0);
    const next = offset + pageSize;
    return {
      ColumnInfo: columns,
      Rows: rows.slice(offset, next),
      ...(next < rows.length ? { NextToken: String(next) } : {}),
    };
  });

  return { writeClient, queryClient, write, query, records, queries };
}
