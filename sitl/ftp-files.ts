/**
 * What the simulated drone's MAVFTP server sees: ArduPilot's filesystem as captured (mavftp-listing.txt)
 * plus an SD card with APM/LOGS, as a real flight controller has:
 *
 *   /              lists ., .., terrain, APM, @ROMFS, @SYS (directories only, as SITL lists its '/')
 *   APM/LOGS       the onboard logs (log-store.ts) as NNNNNNNN.BIN, removable one by one, and LASTLOG.TXT
 *   @PARAM         param.pck[?withdefaults=1] generated at open from the live parameters, in the real packed
 *                  format; listing @PARAM answers FileNotFound (as captured) though the file opens
 *   @MISSION       files registered by the mission store (mission.dat, fence.dat, rally.dat) through
 *                  `provide()`; listing answers FileNotFound
 *   @SYS, @ROMFS   the captured listings; @SYS files report size 100000 but hold short texts
 *   anything else  files the GCS creates (kept in memory)
 * Sizes at open are what ArduPilot reports: param.pck count × 12, @MISSION 1 MiB, others the real size.
 */
import type { DirEntry } from '../mavlink/services/ftp/protocol.js';
import { encodePacked, type PackedParam } from '../mavlink/services/param/packed.js';
import type { LogStore } from './log-store.js';
import type { ParamStore } from './params.js';

export interface OpenedFile {
  bytes: Uint8Array;
  /** The size the vehicle reports at open (may be an estimate). */
  reportedSize: number;
}

type Fail = 'not-found' | 'protected' | 'exists';

const SYS_FILES: readonly [string, number][] = [
  ['threads.txt', 100000], ['tasks.txt', 100000], ['dma.txt', 100000], ['memory.txt', 100000], ['uarts.txt', 100000],
  ['timers.txt', 100000], ['can_log.txt', 100000], ['can0_stats.txt', 100000], ['can1_stats.txt', 100000],
  ['crash_dump.bin', 100000], ['storage.bin', 16384],
];
const ROMFS_MODELS: readonly [string, number][] = [
  ['Callisto.json', 1460], ['freestyle.json', 1395], ['plane-3d.parm', 874], ['plane.parm', 1739],
  ['skywalker_2013.json', 1337], ['xplane_heli.json', 1935], ['xplane_plane.json', 1905],
];

const enc = new TextEncoder();

function filler(name: string, size: number): Uint8Array {
  const line = enc.encode(`# ${name} (simulated)\n`);
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = line[i % line.length]!;
  return out;
}

/** Normalise a MAVFTP path: no leading or repeated slashes, no trailing slash ('' = root). */
export function normalisePath(path: string): string {
  return path.split('/').filter((p) => p.length > 0 && p !== '.').join('/');
}

export class SimFiles {
  private readonly user = new Map<string, Uint8Array>();
  private readonly userDirs = new Set<string>();
  private readonly providers = new Map<string, () => Uint8Array | undefined>();

  constructor(
    private readonly params: ParamStore,
    readonly logs: LogStore,
  ) {}

  /** Serve a virtual file (e.g. '@MISSION/mission.dat') from a provider; undefined from it = not found. */
  provide(path: string, bytes: () => Uint8Array | undefined): void {
    this.providers.set(normalisePath(path), bytes);
  }

  /** The packed parameter file as the vehicle generates it for a client reading `blockSize` bytes at a time. */
  paramPck(withDefaults: boolean, blockSize = 239): Uint8Array {
    const p = this.params;
    const list: PackedParam[] = [];
    for (let i = 0; i < p.count; i++) {
      const d = p.at(i)!;
      const def = p.defaultAt(i);
      const item: PackedParam = { name: d.name, type: d.type, value: d.value };
      if (withDefaults && def !== undefined && def !== d.value) item.defaultValue = def;
      list.push(item);
    }
    return encodePacked(list, { withDefaults, blockSize });
  }

  list(path: string): DirEntry[] | undefined {
    const p = normalisePath(path);
    const dir = (name: string): DirEntry => ({ kind: 'dir', name, size: 0 });
    const file = (name: string, size: number): DirEntry => ({ kind: 'file', name, size });
    switch (p) {
      case '':
        return [dir('.'), dir('..'), dir('terrain'), dir('APM'), dir('@ROMFS'), dir('@SYS'), ...[...this.userDirs].filter((d) => !d.includes('/')).map(dir)];
      case 'terrain':
        return [dir('.'), dir('..')];
      case 'APM':
        return [dir('.'), dir('..'), dir('LOGS')];
      case 'APM/LOGS':
        return [dir('.'), dir('..'), ...this.logs.list().map((l) => file(l.name, l.size)), file('LASTLOG.TXT', String(this.logs.lastId).length + 1)];
      case '@SYS':
        return SYS_FILES.map(([n, s]) => file(n, s));
      case '@ROMFS':
        return [file('locations.txt', 4727), dir('models')];
      case '@ROMFS/models':
        return ROMFS_MODELS.map(([n, s]) => file(n, s));
      default: {
        if (!this.userDirs.has(p)) return undefined;
        const out: DirEntry[] = [dir('.'), dir('..')];
        for (const [k, v] of this.user) if (k.startsWith(`${p}/`) && !k.slice(p.length + 1).includes('/')) out.push(file(k.slice(p.length + 1), v.length));
        for (const d of this.userDirs) if (d.startsWith(`${p}/`) && !d.slice(p.length + 1).includes('/')) out.push(dir(d.slice(p.length + 1)));
        return out;
      }
    }
  }

  open(path: string): OpenedFile | undefined {
    const [rawPath, query] = path.split('?', 2) as [string, string | undefined];
    const p = normalisePath(rawPath);
    if (p === '@PARAM/param.pck') {
      const withDefaults = /(^|&)withdefaults=1(&|$)/.test(query ?? '');
      return { bytes: this.paramPck(withDefaults), reportedSize: this.params.count * 12 };
    }
    const provider = this.providers.get(p);
    if (provider) {
      const bytes = provider();
      return bytes ? { bytes, reportedSize: p.startsWith('@MISSION/') ? 1 << 20 : bytes.length } : undefined;
    }
    if (p.startsWith('APM/LOGS/')) {
      const name = p.slice('APM/LOGS/'.length);
      if (name === 'LASTLOG.TXT') {
        const b = enc.encode(`${this.logs.lastId}\n`);
        return { bytes: b, reportedSize: b.length };
      }
      const l = this.logs.byName(name);
      const bytes = l ? this.logs.bytes(l.id) : undefined;
      return bytes ? { bytes, reportedSize: bytes.length } : undefined;
    }
    if (p.startsWith('@SYS/')) {
      const hit = SYS_FILES.find(([n]) => `@SYS/${n}` === p);
      if (!hit) return undefined;
      const b = hit[0] === 'storage.bin' ? new Uint8Array(16384) : enc.encode(`${hit[0]}: simulated ArduCopter V4.7.0-dev\n`);
      return { bytes: b, reportedSize: b.length };
    }
    if (p === '@ROMFS/locations.txt') return { bytes: filler('locations.txt', 4727), reportedSize: 4727 };
    const model = ROMFS_MODELS.find(([n]) => `@ROMFS/models/${n}` === p);
    if (model) return { bytes: filler(model[0], model[1]), reportedSize: model[1] };
    const u = this.user.get(p);
    return u ? { bytes: u, reportedSize: u.length } : undefined;
  }

  private writable(p: string): boolean {
    return p.length > 0 && !p.startsWith('@') && !p.startsWith('APM/LOGS');
  }

  private parentExists(p: string): boolean {
    const i = p.lastIndexOf('/');
    if (i < 0) return true;
    const parent = p.slice(0, i);
    return parent === 'APM' || parent === 'terrain' || this.userDirs.has(parent);
  }

  /** CreateFile: a new empty file (truncates an existing one, as O_TRUNC). */
  create(path: string): Fail | undefined {
    const p = normalisePath(path);
    if (!this.writable(p)) return 'protected';
    if (!this.parentExists(p)) return 'not-found';
    this.user.set(p, new Uint8Array(0));
    return undefined;
  }

  write(path: string, offset: number, data: Uint8Array): Fail | undefined {
    const p = normalisePath(path);
    const cur = this.user.get(p);
    if (!cur) return 'not-found';
    const end = offset + data.length;
    let next = cur;
    if (end > cur.length) {
      next = new Uint8Array(end);
      next.set(cur);
    }
    next.set(data, offset);
    this.user.set(p, next);
    return undefined;
  }

  remove(path: string): Fail | undefined {
    const p = normalisePath(path);
    if (p.startsWith('APM/LOGS/')) return this.logs.remove(p.slice('APM/LOGS/'.length)) ? undefined : 'not-found';
    if (!this.writable(p)) return this.open(p) ? 'protected' : 'not-found';
    return this.user.delete(p) ? undefined : 'not-found';
  }

  mkdir(path: string): Fail | undefined {
    const p = normalisePath(path);
    if (!this.writable(p)) return 'protected';
    if (this.userDirs.has(p) || this.list(p)) return 'exists';
    if (!this.parentExists(p)) return 'not-found';
    this.userDirs.add(p);
    return undefined;
  }
}
