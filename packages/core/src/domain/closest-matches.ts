import leven from "leven";

/** Most suggestions an "unknown name" error lists. */
const MAX_MATCHES = 3;

/**
 * The `candidates` nearest to `name` by edit distance (Levenshtein: one insertion, deletion or
 * substitution each), nearest first, ties by name: at most three, and only those within a
 * third of the name's length (at least 2 edits), so a typo finds its word and noise finds none.
 */
export function closestMatches(name: string, candidates: Iterable<string>): string[] {
  const limit = Math.max(2, Math.floor(name.length / 3));
  const scored: { candidate: string; distance: number }[] = [];
  for (const candidate of new Set(candidates)) {
    const distance = leven(name.toLowerCase(), candidate.toLowerCase());
    if (distance <= limit) scored.push({ candidate, distance });
  }
  return scored
    .sort((a, b) => a.distance - b.distance || a.candidate.localeCompare(b.candidate))
    .slice(0, MAX_MATCHES)
    .map((s) => s.candidate);
}
