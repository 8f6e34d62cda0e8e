/**
 * Whether an MQTT topic filter matches a topic name (MQTT 3.1.1 section 4.7): `+` matches one
 * level, a trailing `#` the parent and any levels below, and a filter that starts with a
 * wildcard never matches a topic starting with `$` (4.7.2).
 */
export function topicMatchesFilter(filter: string, topic: string): boolean {
  if (topic.startsWith("$") && (filter.startsWith("+") || filter.startsWith("#"))) return false;
  const filterLevels = filter.split("/");
  const topicLevels = topic.split("/");
  for (let index = 0; index < filterLevels.length; index++) {
    const level = filterLevels[index];
    if (level === "#") return true;
    if (index >= topicLevels.length) return false;
    if (level !== "+" && level !== topicLevels[index]) return false;
  }
  return filterLevels.length === topicLevels.length;
}
