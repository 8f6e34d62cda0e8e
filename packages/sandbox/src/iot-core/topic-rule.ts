import { InvalidRequestError } from "../errors.ts";

/** A PUBLISH as the rules engine sees it: after the publisher's policy allowed it. */
export interface RuleMessage {
  topic: string;
  payload: Buffer;
  clientId: string;
  /** Epoch milliseconds when the broker received it: the rule's `timestamp()`. */
  receivedAt: number;
}

/** A topic rule: the broker hands it every message on a topic its SQL selects from. */
export interface TopicRule {
  readonly name: string;
  readonly topicFilter: string;
  handle(message: RuleMessage): void;
}

/** A compiled rule statement: the topic filter of its FROM and the evaluation of its SELECT. */
export interface RuleStatement {
  readonly topicFilter: string;
  /** The rule's output payload for one message (the record an action receives). */
  select(message: RuleMessage): Buffer;
  /** Expands `${topic(2)}`-style substitution templates of action parameters. */
  substitute(template: string, message: RuleMessage): string;
}

const SELECT_STAR = /^SELECT \*((?:, [a-z]+\(\d*\) AS [A-Za-z_]\w*)*) FROM '([^']+)'$/;
const ADDED_FIELD = /, ([a-z]+)\((\d*)\) AS ([A-Za-z_]\w*)/g;
const utf8 = new TextDecoder("utf-8", { fatal: true });
const TEMPLATE = /\$\{([a-z]+)\((\d*)\)\}/g;

/**
 * Compiles the subset of AWS IoT SQL (version 2016-03-23) the product's rules use:
 * `SELECT *[, fn(args) AS name ...] FROM 'filter'` with the functions `topic()`, `topic(n)`,
 * `timestamp()` and `clientid()`; anything else is refused rather than half-understood.
 *
 * As AWS IoT does: fields added by the SELECT override payload keys of the same name, a
 * function whose result is undefined (a missing topic level) adds nothing, and data is added to
 * an empty or JSON payload only: any other payload (binary, a JSON array or scalar) passes
 * through `SELECT *` unchanged ("Working with binary payloads", AWS IoT developer guide).
 */
export function compileRuleSql(sql: string): RuleStatement {
  const match = SELECT_STAR.exec(sql);
  if (match === null) {
    throw new InvalidRequestError(
      "sql",
      `${JSON.stringify(sql)} is not "SELECT *[, fn() AS name ...] FROM 'topic/filter'", the subset the sandbox evaluates`,
    );
  }
  const [, addedText = "", topicFilter = ""] = match;
  const added = [...addedText.matchAll(ADDED_FIELD)].map(([, fn = "", arg = "", name = ""]) => ({
    name,
    value: ruleFunction(fn, arg, sql),
  }));
  return {
    topicFilter,
    select(message) {
      const input = jsonObjectOrEmpty(message.payload);
      if (input === undefined) return message.payload;
      const output: Record<string, unknown> = { ...input };
      for (const field of added) {
        const value = field.value(message);
        if (value !== undefined) output[field.name] = value;
      }
      return Buffer.from(JSON.stringify(output));
    },
    substitute(template, message) {
      return template.replace(TEMPLATE, (_text, fn: string, arg: string) =>
        String(ruleFunction(fn, arg, template)(message) ?? ""),
      );
    },
  };
}

type RuleFunction = (message: RuleMessage) => string | number | undefined;

function ruleFunction(name: string, arg: string, where: string): RuleFunction {
  if (name === "topic" && arg === "") return (message) => message.topic;
  if (name === "topic") {
    const level = Number(arg);
    return (message) => message.topic.split("/")[level - 1];
  }
  if (name === "timestamp" && arg === "") return (message) => message.receivedAt;
  if (name === "clientid" && arg === "") return (message) => message.clientId;
  throw new InvalidRequestError(
    "sql",
    `${name}(${arg}) in ${JSON.stringify(where)} is not supported`,
  );
}

/** The payload as a JSON object; `{}` when empty; undefined when it is anything else. */
function jsonObjectOrEmpty(payload: Buffer): Record<string, unknown> | undefined {
  if (payload.length === 0) return {};
  try {
    const value: unknown = JSON.parse(utf8.decode(payload));
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
