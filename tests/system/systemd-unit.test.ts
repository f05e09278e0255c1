/**
 * resources/systemd/kongxun.service says what the README says: `kongxun serve` restarted on failure, as its
 * own user, with the data folder systemd makes for it, the only folder it may write; its command line is one
 * `kongxun serve` accepts (checked against the command's own flags), and that data folder passes the start
 * check's rules (an absolute path, not on a pseudo-filesystem).
 */
import { readFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../station/cli/args.js';
import { SERVE_FLAGS } from '../../station/cli/serve.js';
import { pseudoFilesystem } from '../../station/storage/data-dir.js';

const text = readFileSync(fileURLToPath(new URL('../../resources/systemd/kongxun.service', import.meta.url)), 'utf8');
const unit = new Map<string, Map<string, string[]>>();
let section = '';
for (const raw of text.split('\n')) {
  const line = raw.trim();
  if (!line || line.startsWith('#')) continue;
  const sec = /^\[(\w+)\]$/.exec(line);
  if (sec) unit.set((section = sec[1]!), new Map());
  else {
    const [k, ...v] = line.split('=');
    const m = unit.get(section)!;
    m.set(k!, [...(m.get(k!) ?? []), v.join('=')]);
  }
}
const get = (sec: string, key: string) => unit.get(sec)?.get(key)?.at(-1);

describe('the systemd unit', () => {
  it('restarts kongxun serve on failure, as its own user, with its data folder', () => {
    expect(get('Service', 'Restart')).toBe('on-failure');
    expect(Number(get('Service', 'RestartSec'))).toBeGreaterThan(0);
    expect(get('Service', 'User')).toBe('kongxun');
    expect(get('Service', 'StateDirectory')).toBe('kongxun');
    expect(get('Service', 'ReadWritePaths')).toBe('/var/lib/kongxun');
    expect(get('Service', 'ProtectSystem')).toBe('strict');
    expect(get('Install', 'WantedBy')).toBe('multi-user.target');
    expect(Number(get('Unit', 'StartLimitBurst'))).toBeGreaterThan(0);
  });

  it('runs a command line kongxun serve accepts, writing where systemd lets it', () => {
    const exec = get('Service', 'ExecStart')!.split(/\s+/);
    expect(exec[0]).toMatch(/\/kongxun$/);
    expect(exec[1]).toBe('serve');
    // $KONGXUN_ARGS (from the EnvironmentFile) expands to nothing when the file is absent.
    const argv = exec.slice(2).filter((a) => a !== '$KONGXUN_ARGS');
    const parsed = parseArgs(argv, SERVE_FLAGS, 'serve');
    expect(parsed.ok, parsed.ok ? '' : parsed.reason).toBe(true);
    if (!parsed.ok) return;
    const data = parsed.value.flags.get('data')?.at(-1);
    expect(data).toBe('/var/lib/kongxun');
    expect(isAbsolute(data!)).toBe(true);
    expect(pseudoFilesystem(data!)).toBeUndefined();
    expect(get('Service', 'WorkingDirectory')).toBe(data);
    expect(get('Service', 'Environment')).toBe(`KONGXUN_DATA=${data}`);
  });
});
