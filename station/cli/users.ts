/**
 * `kongxun users add|list|passwd|disable|enable|role`: the station's local accounts (DATA/users.sqlite), for the
 * operator on the station's machine. A password is never an argument (it would sit in the shell history and
 * in `ps`): it is asked at the terminal without echo, twice, or read from stdin (`--password-stdin`, first line)
 * or from a file (`--password-file F`, first line). Changes take effect on the running station at once (its
 * sessions of a changed account end).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { SystemClock } from '../../common/clock.js';
import { Auth } from '../auth/auth.js';
import { ROLES, ROLE_NAMES } from '../gateway/principal.js';
import { defaultDataDir } from '../storage/data-dir.js';
import { flag, helpText, parseArgs, type FlagSpec } from './args.js';
import type { CliIo } from './io.js';

const SPEC: Record<string, FlagSpec> = {
  role: { type: 'string', describe: `the role of a new user: ${ROLES.join(', ')}` },
  'password-stdin': { type: 'boolean', describe: 'read the password from the first line of stdin (no prompt)' },
  'password-file': { type: 'string', describe: 'read the password from the first line of this file' },
  json: { type: 'boolean', describe: 'list: one JSON object per user' },
  data: { type: 'string', describe: "the station's data folder (default: the user's data folder)" },
  help: { type: 'boolean', describe: 'show this help' },
};

const SYNOPSIS = `add NAME --role ROLE | list [--json] | passwd NAME | disable NAME | enable NAME | role NAME ROLE   [--password-stdin | --password-file F] [--data DIR]`;

/** Where the password comes from; the terminal prompt is injected so tests can answer it. */
export interface PasswordSource {
  prompt(question: string): Promise<string>;
  stdin(): Promise<string>;
}

function firstLine(text: string): string {
  return text.split(/\r?\n/)[0] ?? '';
}

/** Reads a line at the terminal without echoing it. */
export function terminalPrompt(question: string): Promise<string> {
  return new Promise((resolveLine, reject) => {
    const stdin = process.stdin;
    if (!stdin.isTTY) return reject(new Error('no terminal to ask the password at: use --password-stdin or --password-file'));
    process.stderr.write(question);
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    let line = '';
    const done = (value: string | Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (value instanceof Error) reject(value);
      else resolveLine(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return done(line);
        if (ch === '\u0003') return done(new Error('cancelled'));
        if (ch === '\u007f' || ch === '\b') line = line.slice(0, -1);
        else if (ch >= ' ') line += ch;
      }
    };
    stdin.on('data', onData);
  });
}

export const processPasswords: PasswordSource = {
  prompt: terminalPrompt,
  stdin: async () => {
    const parts: Buffer[] = [];
    for await (const b of process.stdin) parts.push(b as Buffer);
    return Buffer.concat(parts).toString('utf8');
  },
};

export async function usersMain(argv: string[], io: CliIo, passwords: PasswordSource = processPasswords): Promise<number> {
  const a = parseArgs(argv, SPEC, 'users');
  if (!a.ok) return io.fail(a.reason, 2);
  if (flag(a.value, 'help')) return io.print(helpText('users', SYNOPSIS, SPEC), 0);
  const [action, name, extra] = a.value.positionals;
  const dataDir = resolve(flag(a.value, 'data') ?? defaultDataDir());
  const opened = Auth.open({ dataDir, clock: new SystemClock() });
  if (!opened.ok) return io.fail(`kongxun users: ${opened.reason}`, 2);
  const auth = opened.value;
  try {
    const password = async (confirm: boolean): Promise<string | undefined> => {
      const file = flag(a.value, 'password-file');
      if (file !== undefined) return firstLine(readFileSync(resolve(file), 'utf8'));
      if (flag(a.value, 'password-stdin')) return firstLine(await passwords.stdin());
      const p = await passwords.prompt(`password for ${name}: `);
      if (confirm && (await passwords.prompt('again: ')) !== p) {
        io.err('kongxun users: the two passwords differ');
        return undefined;
      }
      return p;
    };
    const needName = () => (name === undefined ? io.fail(`kongxun users ${action}: give the user's name`, 2) : undefined);
    switch (action) {
      case 'list': {
        const users = auth.users.list();
        if (flag(a.value, 'json')) for (const u of users) io.out(JSON.stringify({ user: u.name, role: u.role, disabled: u.disabled, created: new Date(u.createdMs).toISOString(), updated: new Date(u.updatedMs).toISOString() }));
        else {
          if (users.length === 0) io.out(`no users in ${dataDir} (kongxun users add NAME --role admin)`);
          for (const u of users) io.out(`${u.name.padEnd(24)} ${`${u.role} ${ROLE_NAMES[u.role].zh}`.padEnd(22)} ${u.disabled ? 'disabled' : 'active'}`);
        }
        return 0;
      }
      case 'add': {
        if (name === undefined) return needName()!;
        const role = flag(a.value, 'role');
        if (role === undefined) return io.fail(`kongxun users add: give --role (${ROLES.join(', ')})`, 2);
        const p = await password(true);
        if (p === undefined) return 2;
        const r = await auth.addUser(name, role, p);
        if (!r.ok) return io.fail(`kongxun users add: ${r.reason}`, 2);
        io.out(`added ${r.value.name} (${r.value.role})`);
        return 0;
      }
      case 'passwd': {
        if (name === undefined) return needName()!;
        if (!auth.users.get(name)) return io.fail(`kongxun users passwd: no user "${name}"`, 2);
        const p = await password(true);
        if (p === undefined) return 2;
        const r = await auth.setPassword(name, p);
        if (!r.ok) return io.fail(`kongxun users passwd: ${r.reason}`, 2);
        io.out(`password of ${name} changed (their sessions have ended)`);
        return 0;
      }
      case 'disable':
      case 'enable': {
        if (name === undefined) return needName()!;
        const r = auth.setDisabled(name, action === 'disable');
        if (!r.ok) return io.fail(`kongxun users ${action}: ${r.reason}`, 2);
        io.out(`${name} ${action}d`);
        return 0;
      }
      case 'role': {
        if (name === undefined || extra === undefined) return io.fail(`kongxun users role: give NAME ROLE (${ROLES.join(', ')})`, 2);
        const r = auth.setRole(name, extra);
        if (!r.ok) return io.fail(`kongxun users role: ${r.reason}`, 2);
        io.out(`${name} is now ${r.value.role} (${ROLE_NAMES[r.value.role].zh})`);
        return 0;
      }
      default:
        return io.fail(`kongxun users: ${action === undefined ? 'give an action' : `unknown action "${action}"`}\n${helpText('users', SYNOPSIS, SPEC)}`, 2);
    }
  } catch (e) {
    return io.fail(`kongxun users: ${(e as Error).message}`, 2);
  } finally {
    auth.close();
  }
}
