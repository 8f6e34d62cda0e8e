/** An error's message for log fields and wrapped error messages; a non-Error as a string. */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
