const PLUS = 43;
const HASH = 35;
const DOLLAR = 36;

/**
 * Whether an MQTT topic filter matches a topic name (MQTT 3.1.1 section 4.7): `+` matches one
 * level, a trailing `#` the parent and any levels below, and a filter that starts with a
 * wildcard never matches a topic starting with `$` (4.7.2). The broker asks this for every
 * rule on every message, so it walks both strings level by level without splitting them.
 */
export function topicMatchesFilter(filter: string, topic: string): boolean {
  const first = filter.charCodeAt(0);
  if (topic.charCodeAt(0) === DOLLAR && (first === PLUS || first === HASH)) return false;
  let filterAt = 0;
  /** Start of the topic's next level; past its end once the topic has no more levels. */
  let topicAt = 0;
  for (;;) {
    const filterEnd = levelEnd(filter, filterAt);
    const filterLength = filterEnd - filterAt;
    const wildcard = filterLength === 1 ? filter.charCodeAt(filterAt) : 0;
    if (wildcard === HASH) return true;
    if (topicAt > topic.length) return false;
    const topicEnd = levelEnd(topic, topicAt);
    if (
      wildcard !== PLUS &&
      !sameLevel(filter, filterAt, topic, topicAt, filterLength, topicEnd - topicAt)
    ) {
      return false;
    }
    topicAt = topicEnd + 1;
    if (filterEnd === filter.length) return topicAt > topic.length;
    filterAt = filterEnd + 1;
  }
}

/** Index of the `/` ending the level that starts at `start`, or the text's length. */
function levelEnd(text: string, start: number): number {
  const slash = text.indexOf("/", start);
  return slash === -1 ? text.length : slash;
}

function sameLevel(
  a: string,
  aStart: number,
  b: string,
  bStart: number,
  aLength: number,
  bLength: number,
): boolean {
  if (aLength !== bLength) return false;
  for (let offset = 0; offset < aLength; offset++) {
    if (a.charCodeAt(aStart + offset) !== b.charCodeAt(bStart + offset)) return false;
  }
  return true;
}
