/**
 * Mission Planner / QGC `.waypoints` text (QGC WPL 110): a header line, then one tab-separated line per item:
 * index, current, frame, command, p1–p4, lat, lon, alt, autocontinue. Line 0 is home (frame 0, absolute).
 * NaN params are written as 0 (the format has no "unset"); the planner itself never emits NaN, so its
 * missions round-trip exactly.
 */
import { err } from '../../common/result.js';
import type { Home, MissionItem, Params7 } from './items.js';
import type { ReadResult } from './qgc-plan.js';

const fx = (v: number, d: number) => (Number.isNaN(v) ? (0).toFixed(d) : v.toFixed(d));

export function toWaypoints(home: Home, items: MissionItem[]): string {
  const lines = ['QGC WPL 110'];
  lines.push(['0', '1', '0', '16', '0', '0', '0', '0', fx(home.lat, 8), fx(home.lon, 8), fx(home.altM, 6), '1'].join('\t'));
  items.forEach((it, i) => {
    const p = it.params;
    lines.push([String(i + 1), '0', String(it.frame), String(it.command), fx(p[0], 8), fx(p[1], 8), fx(p[2], 8), fx(p[3], 8),
      fx(p[4], 8), fx(p[5], 8), fx(p[6], 6), it.autoContinue ? '1' : '0'].join('\t'));
  });
  return lines.join('\n') + '\n';
}

export function fromWaypoints(text: string): ReadResult<{ home: Home; items: MissionItem[] }> {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length);
  if (!lines[0] || !/^QGC WPL 1[12]0$/.test(lines[0])) return err('invalid-input', 'line 1: expected "QGC WPL 110"');
  let home: Home = { lat: 0, lon: 0, altM: 0 };
  const items: MissionItem[] = [];
  for (let k = 1; k < lines.length; k++) {
    const f = lines[k]!.split(/\s+/);
    if (f.length !== 12) return err('invalid-input', `line ${k + 1}: expected 12 fields, found ${f.length}`);
    const n = f.map(Number);
    if (n.some((v) => !Number.isFinite(v))) return err('invalid-input', `line ${k + 1}: a field is not a number`);
    if (k === 1 && n[0] === 0) {
      home = { lat: n[8]!, lon: n[9]!, altM: n[10]! };
      continue;
    }
    items.push({ command: n[3]!, frame: n[2]!, params: [n[4]!, n[5]!, n[6]!, n[7]!, n[8]!, n[9]!, n[10]!] as Params7, autoContinue: n[11] !== 0 });
  }
  return { ok: true, value: { home, items } };
}
