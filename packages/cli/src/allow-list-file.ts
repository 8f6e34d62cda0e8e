import { createReadStream } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import {
  ALLOW_LIST_MAX_BYTES,
  assertValidAllowList,
  type ParsedAllowList,
  parseAllowList,
} from "@fleet/core";
import { CliError } from "./errors.ts";

/**
 * Reads an operator's allow-list file and validates it before anything is uploaded: too large,
 * malformed lines (named by line number) or an unintended empty list are usage errors.
 */
export async function readAllowListFile(
  file: string,
  options: { allowEmpty: boolean },
): Promise<{ parsed: ParsedAllowList; bytes: Uint8Array }> {
  const bytes = await readAllowListBytes(file);
  const parsed = await parseAllowList(createReadStream(file));
  try {
    assertValidAllowList(parsed, { allowEmpty: options.allowEmpty, source: file });
  } catch (error) {
    throw new CliError((error as Error).message, { exitCode: 2, cause: error });
  }
  return { parsed, bytes };
}

/** The file's bytes as they are, refused early (usage error) when unreadable or too large. */
export async function readAllowListBytes(file: string): Promise<Uint8Array> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as Error).message}`, {
      exitCode: 2,
      cause: error,
    });
  }
  if (size > ALLOW_LIST_MAX_BYTES) {
    throw new CliError(
      `${file} is ${size} bytes; an allow-list may be at most ${ALLOW_LIST_MAX_BYTES} bytes`,
      { exitCode: 2 },
    );
  }
  return readFile(file);
}
