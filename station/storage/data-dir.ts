/**
 * The station's data folder: where it is by default (per platform), and the check made before anything is
 * written there. `checkDataDir` refuses, with the reason, a folder that cannot be made, is not a directory,
 * cannot be written, or sits on a kernel pseudo-filesystem (/proc, /sys, …) where nothing could be kept.
 *
 * `makeDirs` replaces `mkdirSync(dir, { recursive: true })` in the station's stores: Node 20's recursive
 * mkdir loops forever (100 % CPU) when the kernel answers ENOENT for a child of an existing directory, as
 * /proc does (`mkdirSync('/proc/x', { recursive: true })` never returns); one component at a time ends.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, statSync, statfsSync, unlinkSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { err, ok, type Result } from '../../common/result.js';

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.KONGXUN_DATA) return env.KONGXUN_DATA;
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Kongxun');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Kongxun');
  return join(env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'kongxun');
}

/** Linux filesystem magic numbers (statfs f_type) of kernel pseudo-filesystems: nothing written there is kept. */
const PSEUDO_FS: ReadonlyMap<number, string> = new Map([
  [0x9fa0, 'proc'], [0x62656572, 'sysfs'], [0x1cd1, 'devpts'], [0x27e0eb, 'cgroup'], [0x63677270, 'cgroup2'],
  [0x64626720, 'debugfs'], [0x74726163, 'tracefs'], [0x73636673, 'securityfs'], [0x62656570, 'configfs'],
  [0xcafe4a11, 'bpf'], [0x6165676c, 'pstore'], [0xde5e81e4, 'efivarfs'], [0x42494e4d, 'binfmt_misc'],
  [0x19800202, 'mqueue'], [0x65735543, 'fusectl'], [0x6e736673, 'nsfs'], [0xf97cff8c, 'selinuxfs'],
]);
/** Memory filesystems: writable, but nothing on them survives a reboot. */
const MEMORY_FS: ReadonlyMap<number, string> = new Map([[0x01021994, 'tmpfs'], [0x858458f6, 'ramfs']]);

const code = (e: unknown) => (e as NodeJS.ErrnoException).code ?? String(e);
const why = (e: unknown) => {
  const m = (e as Error).message ?? String(e);
  return m.replace(/, \w+ '[^']*'$/, '');
};

/** The deepest existing ancestor of `dir` (itself when it exists). */
function existingAncestor(dir: string): string {
  let p = resolve(dir);
  for (;;) {
    try {
      statSync(p);
      return p;
    } catch {
      const up = dirname(p);
      if (up === p) return p;
      p = up;
    }
  }
}

/** The pseudo-filesystem `dir` (or its nearest existing ancestor) lives on, if any. */
export function pseudoFilesystem(dir: string): string | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    return PSEUDO_FS.get(Number(statfsSync(existingAncestor(dir)).type));
  } catch {
    return undefined;
  }
}

/**
 * mkdir -p that always ends: refuses pseudo-filesystems, then makes each missing component in turn. Returns the
 * error value of the first component that cannot be made.
 */
export function makeDirs(dir: string): Result<void> {
  const target = resolve(dir);
  const pseudo = pseudoFilesystem(target);
  if (pseudo) return err('pseudo-fs', `${target} is on ${pseudo}, a kernel pseudo-filesystem: nothing can be kept there`);
  const missing: string[] = [];
  for (let p = target; ; p = dirname(p)) {
    try {
      if (!statSync(p).isDirectory()) return err('ENOTDIR', `${p} is not a directory`);
      break;
    } catch (e) {
      if (code(e) !== 'ENOENT') return err(code(e), `${p}: ${why(e)}`);
      missing.unshift(p);
      if (dirname(p) === p) break;
    }
  }
  for (const p of missing) {
    try {
      mkdirSync(p);
    } catch (e) {
      if (code(e) === 'EEXIST' && statSync(p, { throwIfNoEntry: false })?.isDirectory()) continue;
      return err(code(e), `cannot create ${p}: ${why(e)}`);
    }
  }
  return ok(undefined);
}

export interface DataDirInfo {
  path: string;
  /** Bytes free for the station's user, when the platform says. */
  freeBytes: number | null;
  /** Set when the folder is on a memory filesystem (tmpfs): records do not survive a reboot. */
  memoryFs: string | null;
}

/**
 * The check made at start: the folder exists or can be made, is a directory, a file can be written, synced
 * and removed in it, and it is not on a pseudo-filesystem. Ends within the time of a few syscalls.
 */
export function checkDataDir(dir: string): Result<DataDirInfo> {
  const path = resolve(dir);
  const made = makeDirs(path);
  if (!made.ok) return err(made.code, `data folder: ${made.reason}`);
  const probe = join(path, `.kongxun-write-check-${process.pid}`);
  try {
    const fd = openSync(probe, 'w');
    try {
      writeSync(fd, 'kongxun\n');
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    unlinkSync(probe);
  } catch (e) {
    try {
      unlinkSync(probe);
    } catch {
      /* never made */
    }
    return err(code(e), `data folder ${path} cannot be written: ${why(e)}`);
  }
  let freeBytes: number | null = null;
  let memoryFs: string | null = null;
  try {
    const s = statfsSync(path);
    freeBytes = Number(s.bavail) * Number(s.bsize);
    memoryFs = MEMORY_FS.get(Number(s.type)) ?? null;
  } catch {
    /* statfs unsupported here */
  }
  return ok({ path, freeBytes, memoryFs });
}

/** Bytes free for the station's user on the filesystem of `dir`, or null when it cannot be told. */
export function freeBytes(dir: string): number | null {
  try {
    const s = statfsSync(dir);
    return Number(s.bavail) * Number(s.bsize);
  } catch {
    return null;
  }
}
