import { once } from "node:events";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

type FieldValue = number | string | boolean | { integer: number };

export interface LinePoint {
  measurement: string;
  tags: Record<string, string>;
  fields: Record<string, FieldValue>;
  time: number;
}

interface FakeInfluxReply {
  status: number;
  body: string;
  type?: string;
}

export interface FakeInfluxRequest {
  path: string;
  query: Record<string, string>;
  authorization: string | undefined;
  body: string;
}

/**
 * A line protocol parser written from the InfluxDB reference, independent of the adapter's
 * writer: a backslash escapes the next character in names and tag values; string field values
 * are double-quoted with `\"` and `\\`; integers end in `i`.
 */
export function parseLine(line: string): LinePoint {
  let at = 0;
  const until = (stops: string): string => {
    let text = "";
    while (at < line.length && !stops.includes(line[at] ?? "")) {
      if (line[at] === "\\" && at + 1 < line.length) at++;
      text += line[at++];
    }
    return text;
  };
  const measurement = until(", ");
  const tags: Record<string, string> = {};
  while (line[at] === ",") {
    at++;
    const key = until("=");
    at++;
    tags[key] = until(", ");
  }
  if (line[at++] !== " ") throw new Error(`no field set in: ${line}`);
  const fields: Record<string, FieldValue> = {};
  do {
    if (line[at] === ",") at++;
    const key = until("=");
    at++;
    if (line[at] === '"') {
      at++;
      let text = "";
      while (line[at] !== '"') {
        if (at >= line.length) throw new Error(`unterminated string in: ${line}`);
        if (line[at] === "\\" && (line[at + 1] === '"' || line[at + 1] === "\\")) at++;
        text += line[at++];
      }
      at++;
      fields[key] = text;
    } else {
      const raw = until(", ");
      if (raw === "true" || raw === "false") fields[key] = raw === "true";
      else if (/^-?\d+i$/.test(raw)) fields[key] = { integer: Number(raw.slice(0, -1)) };
      else if (Number.isNaN(Number(raw))) throw new Error(`bad field value ${raw} in: ${line}`);
      else fields[key] = Number(raw);
    }
  } while (line[at] === ",");
  if (line[at++] !== " ") throw new Error(`no timestamp in: ${line}`);
  return { measurement, tags, fields, time: Number(line.slice(at)) };
}

const FLUX =
  /^from\(bucket: "(?<bucket>(?:[^"\\]|\\.)*)"\)\n {2}\|> range\(start: (?<start>\S+), stop: (?<stop>\S+)\)\n {2}\|> filter\(fn: \(r\) => r\["thing"\] == "(?<thing>(?:[^"\\]|\\.)*)"\)\n(?: {2}\|> filter\(fn: \(r\) => r\._measurement == "(?<section>(?:[^"\\]|\\.)*)" and \(r\._field == "(?<field>(?:[^"\\]|\\.)*)" or r\._field == "seq"\)\)\n)? {2}\|> pivot\(rowKey: \["_time"\], columnKey: \["_field"\], valueColumn: "_value"\)\n(?: {2}\|> filter\(fn: \(r\) => exists r\["(?:[^"\\]|\\.)*"\]\)\n)? {2}\|> sort\(columns: \["_time"\], desc: true\)\n {2}\|> limit\(n: (?<limit>\d+)\)$/;

const unescapeFlux = (text: string) =>
  text.replace(/\\(\$\{|n|r|t|.)/g, (_, c: string) =>
    c === "n" ? "\n" : c === "r" ? "\r" : c === "t" ? "\t" : c,
  );

const csvCell = (text: string) =>
  /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;

function fluxType(value: FieldValue): string {
  if (typeof value === "object") return "long";
  if (typeof value === "number") return "double";
  return typeof value === "boolean" ? "boolean" : "string";
}

/**
 * InfluxDB 2.x on loopback, just enough for the adapters: /api/v2/write stores parsed lines
 * (a line `refuse` names is dropped with a 422, as a field type conflict is), /api/v2/query
 * answers the reader's Flux with annotated CSV, one table per measurement. `answer` can
 * replace any reply (an outage, a bad token).
 */
export async function startFakeInfluxDb(
  options: {
    refuse?: (point: LinePoint) => string | null;
    answer?: (request: FakeInfluxRequest) => FakeInfluxReply | null;
  } = {},
) {
  const points: LinePoint[] = [];
  const requests: FakeInfluxRequest[] = [];
  const server = createServer(async (req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? "/", "http://localhost");
    const request: FakeInfluxRequest = {
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      authorization: req.headers.authorization,
      body: Buffer.concat(chunks).toString("utf8"),
    };
    requests.push(request);
    const reply: FakeInfluxReply = options.answer?.(request) ?? handle(request);
    res.writeHead(reply.status, { "content-type": reply.type ?? "application/json" });
    res.end(reply.body);
  });

  function handle(request: FakeInfluxRequest): FakeInfluxReply {
    if (request.path === "/api/v2/write") {
      const refusals: string[] = [];
      for (const line of request.body.split("\n")) {
        const point = parseLine(line);
        const reason = options.refuse?.(point) ?? null;
        if (reason !== null) refusals.push(reason);
        else points.push(point);
      }
      if (refusals.length === 0) return { status: 204, body: "" };
      return {
        status: 422,
        body: JSON.stringify({
          code: "unprocessable entity",
          message: `failure writing points to database: partial write: ${refusals[0]} dropped=${refusals.length}`,
        }),
      };
    }
    if (request.path === "/api/v2/query")
      return { status: 200, body: query(request), type: "text/csv" };
    return { status: 404, body: JSON.stringify({ code: "not found", message: "path not found" }) };
  }

  function query(request: FakeInfluxRequest): string {
    const flux = (JSON.parse(request.body) as { query: string }).query;
    const match = FLUX.exec(flux);
    if (match?.groups === undefined) throw new Error(`unexpected Flux: ${flux}`);
    const { start, stop, thing, section, field, limit } = match.groups;
    const from = Date.parse(start ?? "");
    const to = stop === "now()" ? Number.POSITIVE_INFINITY : Date.parse(stop ?? "");
    const tables = new Map<string, LinePoint[]>();
    for (const point of points) {
      if (point.tags.thing !== unescapeFlux(thing ?? "") || point.time < from || point.time >= to)
        continue;
      if (
        section !== undefined &&
        (point.measurement !== unescapeFlux(section) ||
          !(unescapeFlux(field ?? "") in point.fields))
      )
        continue;
      tables.set(point.measurement, [...(tables.get(point.measurement) ?? []), point]);
    }
    const blocks = [...tables.values()].map((rows, table) => {
      rows.sort((a, b) => b.time - a.time).splice(Number(limit));
      const types = new Map<string, string>();
      for (const row of rows) {
        for (const [name, value] of Object.entries(row.fields)) {
          if (section === undefined || name === "seq" || name === unescapeFlux(field ?? ""))
            types.set(name, fluxType(value));
        }
      }
      const names = [...types.keys()].sort();
      const lines = [
        [
          "#datatype",
          "string",
          "long",
          "dateTime:RFC3339",
          "dateTime:RFC3339",
          "dateTime:RFC3339",
          "string",
          "string",
          ...names.map((n) => types.get(n) ?? ""),
        ],
        ["", "result", "table", "_start", "_stop", "_time", "_measurement", "thing", ...names],
        ...rows.map((row) => [
          "",
          "_result",
          String(table),
          new Date(from).toISOString(),
          new Date(Number.isFinite(to) ? to : Date.now()).toISOString(),
          new Date(row.time).toISOString(),
          row.measurement,
          row.tags.thing ?? "",
          ...names.map((name) => {
            const value = row.fields[name];
            if (value === undefined) return "";
            return typeof value === "object" ? String(value.integer) : String(value);
          }),
        ]),
      ];
      return lines.map((cells) => cells.map(csvCell).join(",")).join("\r\n");
    });
    return blocks.length === 0 ? "" : `${blocks.join("\r\n\r\n")}\r\n`;
  }

  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    points,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
