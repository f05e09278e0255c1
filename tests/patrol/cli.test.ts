/** `kongxun patrol` refuses bad input before anything flies (the full simulated day is tests/patrol/day.test.ts). */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bufferIo } from '../../station/cli/io.js';
import { main } from '../../station/cli/main.js';

describe('kongxun patrol', () => {
  it('needs --plan', async () => {
    const io = bufferIo();
    expect(await main(['patrol'], io)).toBe(2);
    expect(io.errors.join('\n')).toContain('--plan DIR is required');
  });

  it('names the file and the field of a bad schedule', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kongxun-patrol-cli-'));
    try {
      writeFileSync(join(dir, 'schedule.json'), JSON.stringify({ station: 'jinhai', date: '2026-11-24', timezone: 'Asia/Shanghai', sorties: [{ id: 'P001', drone: 'NOPE', plan: 'sorties/P001.plan' }], gaps: [] }));
      const io = bufferIo();
      expect(await main(['patrol', '--plan', dir, '--sim'], io)).toBe(2);
      expect(io.errors.join('\n')).toContain('sorties[0] (P001).drone: "NOPE" is not in the fleet file');
      const io2 = bufferIo();
      expect(await main(['patrol', '--plan', join(dir, 'missing')], io2)).toBe(2);
      expect(io2.errors.join('\n')).toMatch(/schedule\.json: ENOENT/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
