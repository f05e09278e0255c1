/** Input errors that name the file, the feature (id or index) or field, and what is wrong. Pure TS. */
import { err } from '../common/result.js';

export interface InputIssue {
  /** e.g. "features[3] (id school-2)" or "drones[1].sysid" */
  where: string;
  problem: string;
}

export class InputError {
  constructor(
    readonly file: string,
    readonly issues: InputIssue[],
  ) {}
  toString(): string {
    return `${this.file}: ${this.issues.length} problem${this.issues.length === 1 ? '' : 's'}\n` +
      this.issues.map((i) => `  ${i.where}: ${i.problem}`).join('\n');
  }
}

/** A file's input refused: the Result (common/result.ts) whose reason is the InputError's text. */
export function inputError(file: string, issues: InputIssue[]): { ok: false; code: 'invalid-input'; reason: string } {
  return err('invalid-input', new InputError(file, issues).toString());
}

export function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)}`;
}
