import { TrinoSQL, TrinoSqlListener } from "dt-sql-parser";
import {
  ArithmeticBinaryContext,
  type BackQuotedIdentifierContext,
  type DigitIdentifierContext,
  ParenthesizedExpressionContext,
  type QuotedIdentifierContext,
} from "dt-sql-parser/dist/lib/trino/TrinoSqlParser.js";
import { replaceDurations } from "./timestream-durations.ts";

/**
 * Why Timestream would refuse an expanded query's text, judged by Trino's grammar: Timestream's
 * query language is Trino's (its reference is Trino's documentation). dt-sql-parser's Trino
 * grammar is an adaptation of Trino's SqlBase.g4; on top of it this adds what Trino's own
 * parser refuses after the grammar (SqlParser.PostProcessor in trinodb/trino
 * 01344209825d3d5c48e2840894bbd3c8ae0e27c4: identifiers starting with a digit, back-quoted or
 * empty identifiers) and integer arithmetic on literals that overflows 32 bits (Trino and
 * Timestream type a literal that fits as a 32-bit `int`, so `30 * 86400000` fails).
 *
 * Timestream's own syntax is first translated to Trino's: a duration literal (`60000ms`, `5m`,
 * `1d`, units of the Timestream "interval" type) becomes `parse_duration('60000ms')`, Trino's
 * function giving the same interval.
 *
 * Not seen: function names and signatures, column names and types, semantics (GROUP BY
 * coverage, time-series functions): the DuckDB run covers part of that.
 */
export function trinoSyntaxProblems(timestreamSql: string): string[] {
  const sql = replaceDurations(timestreamSql, (literal) => `parse_duration('${literal}')`);
  const trino = new TrinoSQL();
  const problems = trino
    .validate(sql)
    .map((error) => `line ${error.startLine}:${error.startColumn}: ${error.message}`);
  if (problems.length > 0) return problems;
  const listener = new PostProcessor();
  trino.listen(listener, trino.parse(sql));
  return listener.problems;
}

const INT32 = { min: -(2n ** 31n), max: 2n ** 31n - 1n };

interface IntegerConstant {
  value: bigint;
  /** Trino's type for it: a literal that fits 32 bits is an `integer`, else a `bigint`. */
  type: "integer" | "bigint";
}

class PostProcessor extends TrinoSqlListener {
  readonly problems: string[] = [];

  override exitDigitIdentifier = (context: DigitIdentifierContext): void => {
    this.#refuse(
      context,
      "identifiers must not start with a digit; surround the identifier with double quotes",
    );
  };

  override exitBackQuotedIdentifier = (context: BackQuotedIdentifierContext): void => {
    this.#refuse(
      context,
      "backquoted identifiers are not supported; use double quotes to quote identifiers",
    );
  };

  override exitQuotedIdentifier = (context: QuotedIdentifierContext): void => {
    if (context.getText() === '""') this.#refuse(context, "zero-length delimited identifier");
  };

  override exitArithmeticBinary = (context: ArithmeticBinaryContext): void => {
    const [left, right] = [context._left, context._right].map(integerConstant);
    if (left?.type !== "integer" || right?.type !== "integer") return;
    const value = arithmetic(context.getChild(1)?.getText() ?? "", left.value, right.value);
    if (value !== undefined && (value < INT32.min || value > INT32.max)) {
      this.#refuse(
        context,
        `integer overflow: ${context.getText()} = ${value} does not fit a 32-bit int (write one operand as a bigint or double)`,
      );
    }
  };

  #refuse(context: { start: { line: number; column: number } | null }, message: string): void {
    const where =
      context.start === null ? "" : `line ${context.start.line}:${context.start.column + 1}: `;
    this.problems.push(`${where}${message}`);
  }
}

type Node = ReturnType<ArithmeticBinaryContext["getChild"]>;

/** The value and type of an expression made of integer literals only; else undefined. */
function integerConstant(node: Node | undefined): IntegerConstant | undefined {
  if (node === null || node === undefined) return undefined;
  if (node instanceof ArithmeticBinaryContext) {
    const [left, right] = [node._left, node._right].map(integerConstant);
    if (left === undefined || right === undefined) return undefined;
    const value = arithmetic(node.getChild(1)?.getText() ?? "", left.value, right.value);
    if (value === undefined) return undefined;
    return {
      value,
      type: left.type === "integer" && right.type === "integer" ? "integer" : "bigint",
    };
  }
  if (node instanceof ParenthesizedExpressionContext) return integerConstant(node.expression());
  if (node.getChildCount() === 1) return integerConstant(node.getChild(0));
  const text = node.getText();
  if (!/^\d+$/.test(text)) return undefined;
  const value = BigInt(text);
  return { value, type: value <= INT32.max ? "integer" : "bigint" };
}

function arithmetic(operator: string, left: bigint, right: bigint): bigint | undefined {
  if (operator === "+") return left + right;
  if (operator === "-") return left - right;
  if (operator === "*") return left * right;
  return undefined; // division and modulo never grow past their operands
}
