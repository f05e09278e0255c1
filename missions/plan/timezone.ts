/**
 * Station-local time without Node: UTC offsets from Intl.DateTimeFormat (present in every modern JS runtime),
 * with a small fixed-offset table as fallback (Asia/Shanghai is +08:00 all year, no DST). The day's clock is
 * kept as minutes since local midnight of the planned date; ISO 8601 strings carry the station's offset.
 */
const FIXED: Record<string, number> = {
  'Asia/Shanghai': 480, 'Asia/Chongqing': 480, 'Asia/Harbin': 480, 'Asia/Urumqi': 360, 'Asia/Hong_Kong': 480,
  'Asia/Macau': 480, 'Asia/Taipei': 480, 'Asia/Singapore': 480, 'Asia/Tokyo': 540, 'Asia/Seoul': 540,
  UTC: 0, 'Etc/UTC': 0, GMT: 0,
};

/** The zone's offset from UTC in minutes at a UTC instant. */
const formats = new Map<string, Intl.DateTimeFormat>();

export function tzOffsetMin(timeZone: string, utcMs: number): number {
  try {
    let f = formats.get(timeZone);
    if (!f) {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
      });
      formats.set(timeZone, f);
    }
    const parts: Record<string, number> = {};
    for (const p of f.formatToParts(new Date(utcMs))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
    const asUtc = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
    return Math.round((asUtc - Math.floor(utcMs / 1000) * 1000) / 60000);
  } catch {
    const v = FIXED[timeZone];
    if (v === undefined) throw new Error(`unknown time zone "${timeZone}"`);
    return v;
  }
}

export function validTimeZone(tz: string): boolean {
  try {
    tzOffsetMin(tz, 0);
    return true;
  } catch {
    return false;
  }
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function validDate(date: string): boolean {
  const m = DATE.exec(date);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

/** UTC milliseconds of local midnight starting `date` (YYYY-MM-DD) in the zone. */
export function localMidnightUtcMs(date: string, timeZone: string): number {
  const m = DATE.exec(date);
  if (!m) throw new Error(`date "${date}" is not YYYY-MM-DD`);
  const wall = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  let utc = wall - tzOffsetMin(timeZone, wall) * 60000;
  utc = wall - tzOffsetMin(timeZone, utc) * 60000;
  return utc;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** ISO 8601 with the zone's offset, whole seconds: 2026-11-24T07:25:00+08:00. */
export function isoLocal(utcMs: number, timeZone: string): string {
  const ms = Math.round(utcMs / 1000) * 1000;
  const off = tzOffsetMin(timeZone, ms);
  const d = new Date(ms + off * 60000);
  const sign = off < 0 ? '-' : '+';
  const a = Math.abs(off);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}${sign}${pad(Math.floor(a / 60))}:${pad(a % 60)}`;
}

/** Parses an ISO 8601 date-time with offset or Z to UTC ms (undefined when malformed). */
export function parseIso(s: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(s)) return undefined;
  const t = Date.parse(s);
  return Number.isFinite(t) ? t : undefined;
}

export const hhmmToMin = (s: string): number => Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5));
