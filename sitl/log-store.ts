/**
 * The simulated drone's onboard DataFlash logs: `.BIN` files in APM/LOGS, numbered from 1, with
 * deterministic DataFlash-like bytes (records framed by the 0xA3 0x95 header, an FMT record first, then
 * seeded pseudo-random records), so downloads can be checked byte for byte. Sizes default to a few MB, as a
 * real patrol flight's log (a 3-minute SITL flight wrote 15 MB); tests give smaller sizes.
 * Bytes are generated when first read and kept.
 */
export interface SimLog {
  id: number;
  name: string;
  size: number;
  /** Seconds since the Unix epoch (LOG_ENTRY.time_utc). */
  timeUtcS: number;
}

export const DEFAULT_LOG_SIZES = [1_048_576 + 4321, 2_621_440 + 77, 3_145_728 + 1234];

export function logName(id: number): string {
  return `${String(id).padStart(8, '0')}.BIN`;
}

/** The bytes of log `id` with `size` bytes (pure: the same arguments give the same bytes). */
export function logBytes(id: number, size: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = (0x9e3779b9 ^ Math.imul(id, 0x85ebca6b)) >>> 0 || 1;
  const rnd = (): number => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
  // FMT record describing FMT (as every DataFlash log starts).
  const fmt = [0xa3, 0x95, 0x80, 0x80, 89, ...Array.from('FMT\0BBnNZ\0\0\0\0\0\0\0\0\0\0\0', (c) => c.charCodeAt(0))];
  let pos = 0;
  for (const b of fmt) if (pos < size) out[pos++] = b;
  while (pos < size) {
    const len = 20 + (rnd() % 60);
    const header = [0xa3, 0x95, 0x81 + (rnd() % 40)];
    for (const b of header) if (pos < size) out[pos++] = b;
    for (let i = 3; i < len && pos < size; i++) out[pos++] = rnd() & 0xff;
  }
  return out;
}

export class LogStore {
  private logs: SimLog[] = [];
  private readonly cache = new Map<number, Uint8Array>();

  constructor(sizes: readonly number[] = DEFAULT_LOG_SIZES, baseTimeUtcS = Date.UTC(2026, 10, 20, 8, 0, 0) / 1000) {
    this.reset(sizes, baseTimeUtcS);
  }

  /** Replace all logs by new ones of these sizes (ids from 1). */
  reset(sizes: readonly number[], baseTimeUtcS = Date.UTC(2026, 10, 20, 8, 0, 0) / 1000): void {
    this.cache.clear();
    this.logs = sizes.map((size, i) => ({ id: i + 1, name: logName(i + 1), size, timeUtcS: baseTimeUtcS + i * 3600 }));
  }

  list(): readonly SimLog[] {
    return this.logs;
  }

  byId(id: number): SimLog | undefined {
    return this.logs.find((l) => l.id === id);
  }

  byName(name: string): SimLog | undefined {
    return this.logs.find((l) => l.name === name);
  }

  bytes(id: number): Uint8Array | undefined {
    const l = this.byId(id);
    if (!l) return undefined;
    let b = this.cache.get(id);
    if (!b) this.cache.set(id, (b = logBytes(id, l.size)));
    return b;
  }

  remove(name: string): boolean {
    const i = this.logs.findIndex((l) => l.name === name);
    if (i < 0) return false;
    this.cache.delete(this.logs[i]!.id);
    this.logs.splice(i, 1);
    return true;
  }

  /** LOG_ERASE: every log goes. */
  eraseAll(): void {
    this.logs = [];
    this.cache.clear();
  }

  /** The highest log number (LOG_ENTRY.last_log_num). */
  get lastId(): number {
    return this.logs.reduce((m, l) => Math.max(m, l.id), 0);
  }
}
