import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import * as z from "zod";
import { StateFileError } from "../../src/errors.ts";
import { openJsonRecordFile } from "../../src/state/json-record-file.ts";

const WidgetSchema = z.object({ id: z.string(), size: z.number() });
type Widget = z.infer<typeof WidgetSchema>;

describe("openJsonRecordFile", () => {
  let dir: string;
  let path: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "fleet-json-record-file-"));
    path = join(dir, "widgets.json");
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  function open() {
    return openJsonRecordFile<Widget>({
      path,
      field: "widgets",
      recordSchema: WidgetSchema,
      keyOf: (widget) => widget.id,
      what: "widgets",
    });
  }

  it("starts empty when the file does not exist", async () => {
    expect((await open().records()).size).toBe(0);
  });

  it("saves the records under the named field next to version 1", async () => {
    const file = open();
    const records = await file.records();
    records.set("a", { id: "a", size: 1 });
    records.set("b", { id: "b", size: 2 });
    await file.save();

    const text = await readFile(path, "utf8");
    expect(text).toBe(
      `${JSON.stringify(
        {
          version: 1,
          widgets: [
            { id: "a", size: 1 },
            { id: "b", size: 2 },
          ],
        },
        null,
        2,
      )}\n`,
    );
  });

  it("reads a saved file back keyed by each record's key", async () => {
    const first = open();
    (await first.records()).set("a", { id: "a", size: 7 });
    await first.save();

    const records = await open().records();
    expect([...records.entries()]).toEqual([["a", { id: "a", size: 7 }]]);
  });

  it("reads the file only once and keeps later changes in memory", async () => {
    const file = open();
    (await file.records()).set("a", { id: "a", size: 1 });
    await writeFile(path, "not json");
    expect((await file.records()).get("a")).toEqual({ id: "a", size: 1 });
  });

  it.each([
    ["text that is not JSON", "{"],
    ["a different version", JSON.stringify({ version: 2, widgets: [] })],
    ["records under another field", JSON.stringify({ version: 1, gadgets: [] })],
    ["a record that fails the schema", JSON.stringify({ version: 1, widgets: [{ id: "a" }] })],
  ])("rejects a file holding %s, naming the file", async (_, text) => {
    await writeFile(path, text);
    const error = await open()
      .records()
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StateFileError);
    expect(error).toMatchObject({ path, message: `${path}: not a widgets file` });
  });
});
