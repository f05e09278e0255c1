/**
 * The import boundaries of DESIGN.md hold: the lint refuses a forbidden import in each folder and accepts the
 * allowed ones. Runs ESLint on in-memory sources at the folder's path, so the rules are proven, not assumed.
 */
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: process.cwd() });

async function errorsFor(path: string, code: string): Promise<string[]> {
  const [r] = await eslint.lintText(code, { filePath: path });
  return (r?.messages ?? []).filter((m) => m.severity === 2).map((m) => `${m.ruleId}: ${m.message}`);
}

const cases: [string, string, boolean][] = [
  ['common/x.ts', "import { readFileSync } from 'node:fs'; export const a = readFileSync;", false],
  ['common/x.ts', "import { a } from '../missions/fleet.js'; export const b = a;", false],
  ['common/x.ts', "import { a } from '../mavlink/connection.js'; export const b = a;", false],
  ['common/x.ts', "import { ok } from './result.js'; export const b = ok;", true],
  ['common/x.ts', 'export const t = Date.now();', false],
  ['missions/x.ts', "import { ok } from '../common/result.js'; export const b = ok;", true],
  ['mavlink/x.ts', "import { ok } from '../common/result.js'; export const b = ok;", true],
  ['missions/x.ts', "import { readFileSync } from 'node:fs'; export const a = readFileSync;", false],
  ['missions/x.ts', "import { a } from '../mavlink/connection.js'; export const b = a;", false],
  ['missions/x.ts', "import { parseFleet } from './fleet.js'; export const b = parseFleet;", true],
  ['missions/x.ts', 'export const t = Date.now();', false],
  ['mavlink/x.ts', "import { a } from '../station/compose.js'; export const b = a;", false],
  ['mavlink/x.ts', "import { createSocket } from 'node:dgram'; export const b = createSocket;", true],
  ['mavlink/x.ts', 'export const t = () => setTimeout(() => 0, 1);', false],
  // station/: the time ban holds in every room; real time goes through station/real-time.ts, which rooms may import.
  ['station/video/x.ts', 'export const t = () => setTimeout(() => 0, 1);', false],
  ['station/centre/x.ts', 'export const t = Date.now();', false],
  ['station/replay/x.ts', 'export const t = () => setInterval(() => 0, 1);', false],
  ['station/video/x.ts', "import { realDeadline } from '../real-time.js'; export const t = () => realDeadline(1, () => 0);", true],
  ['station/real-time.ts', 'export const t = () => setTimeout(() => 0, Date.now());', true],
  ['sitl/x.ts', "import { a } from '../station/compose.js'; export const b = a;", false],
  ['sitl/x.ts', "import { a } from '../mavlink/connection.js'; export const b = a;", true],
  ['sitl/x.ts', 'export const r = Math.random();', false],
  ['station/x.ts', "import { a } from '../renderer/main.js'; export const b = a;", false],
  ['station/x.ts', "import { a } from '../sitl/fleet.js'; export const b = a;", true],
  ['renderer/x.ts', "import { a } from '../station/vehicle/registry.js'; export const b = a;", false],
  ['renderer/x.ts', "import type { VehicleView } from '../common/api/contract.js'; export type V = VehicleView;", true],
  ['renderer/x.ts', "import { readFileSync } from 'node:fs'; export const a = readFileSync;", false],
  ['renderer/x.ts', "import { a } from '../mavlink/connection.js'; export const b = a;", false],
  ['electron/x.ts', "import { a } from '../renderer/main.js'; export const b = a;", false],
];

describe('import boundaries (lint)', () => {
  for (const [path, code, allowed] of cases) {
    it(`${allowed ? 'allows' : 'refuses'} in ${path}: ${code.slice(0, 60)}`, async () => {
      const errors = await errorsFor(path, code);
      if (allowed) expect(errors).toEqual([]);
      else expect(errors.some((e) => /no-restricted-(imports|properties|globals)/.test(e))).toBe(true);
    });
  }
});
