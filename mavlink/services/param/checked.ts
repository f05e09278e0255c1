/**
 * What a vehicle says its parameters are, checked before anyone keeps them: a name is 1–16 letters, digits
 * or underscores (ArduPilot's AP_MAX_NAME_SIZE and the `.parm` format), a value is a finite number. A
 * parameter failing either is refused, named (its name cleaned of control characters), and left out, so a
 * pulled `.parm` is always re-readable by parseParm.
 */
import { cleanText } from '../../text.js';
import type { Param } from './types.js';

export const PARAM_NAME = /^[A-Za-z0-9_]{1,16}$/;

export interface CheckedParams {
  params: Param[];
  /** One line per refused parameter: "NAME: why". */
  refused: string[];
}

export function checkParams(params: readonly Param[]): CheckedParams {
  const out: Param[] = [];
  const refused: string[] = [];
  for (const p of params) {
    if (!PARAM_NAME.test(p.name)) refused.push(`"${cleanText(p.name)}": not a parameter name (1–16 letters, digits, _)`);
    else if (!Number.isFinite(p.value)) refused.push(`${p.name}: value ${p.value} is not a finite number`);
    else out.push(p);
  }
  return { params: out, refused };
}
