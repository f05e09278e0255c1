import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('the last-resort handler', () => {
  it('reports an uncaught exception and an unhandled rejection with what failed, and the process goes on', () => {
    const script = `
      import { installLastResort } from './station/last-resort.ts';
      installLastResort((l) => console.error(l));
      setTimeout(() => { throw new URIError('URI malformed'); }, 1);
      setTimeout(() => { void Promise.reject(new Error('nobody waited for me')); }, 5);
      setTimeout(() => console.log('still flying'), 30);
    `;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    expect(r.stderr).toMatch(/INTERNAL ERROR \(uncaughtException\), the station keeps running: URIError: URI malformed/);
    expect(r.stderr).toMatch(/INTERNAL ERROR \(unhandled rejection\), the station keeps running: Error: nobody waited for me/);
    expect(r.stdout.trim()).toBe('still flying');
    expect(r.status).toBe(0);
  });
});
