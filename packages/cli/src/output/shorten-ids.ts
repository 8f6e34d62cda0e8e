const SHA256_HEX = /\b[0-9a-f]{64}\b/g;
const UUID = /\b([0-9a-f]{8})-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g;

/**
 * Long ids inside a table cell shortened as git shortens commits: a 64-hex certificate id or
 * allow-list version to its first 12 digits, a UUID to its first 8, each marked with `…`
 * (`--wide` or `--json` give them in full).
 */
export function shortenIds(text: string): string {
  return text
    .replace(SHA256_HEX, (hex) => `${hex.slice(0, 12)}…`)
    .replace(UUID, (_, head: string) => `${head}…`);
}
