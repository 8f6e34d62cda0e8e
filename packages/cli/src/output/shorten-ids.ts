const SHA256_HEX = /\b[0-9a-f]{64}\b/g;

/**
 * 64-hex ids inside a table cell (a certificate id, an allow-list version) shortened as git
 * shortens commits, to their first 12 digits and `…` (`--wide` or `--json` give them whole).
 * Ids a command takes back, such as a job's UUID, stay whole.
 */
export function shortenIds(text: string): string {
  return text.replace(SHA256_HEX, (hex) => `${hex.slice(0, 12)}…`);
}
