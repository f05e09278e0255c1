/** Errors below the UI are values: a Result says what went wrong in words and a machine-readable code. */
export type Result<T, E extends string = string> =
  | { ok: true; value: T }
  | { ok: false; code: E; reason: string };

export function ok<T>(value: T): Result<T, never> {
  return { ok: true, value };
}

export function err<E extends string>(code: E, reason: string): { ok: false; code: E; reason: string } {
  return { ok: false, code, reason };
}
