/**
 * KML 2.2 for routes: one Placemark per route with a LineString (lon,lat,alt; altitudeMode relativeToGround,
 * i.e. metres above the launch point as our altitudes are), and a tolerant reader for hand-drawn KML
 * (Google Earth, QGIS): every Placemark's LineString (or a Polygon's outer ring) with its name. No DOM: the
 * reader is a small tag scanner, enough for the KML these tools write.
 */
import { err } from '../../common/result.js';
import type { LonLat } from '../jurisdiction.js';
import { MAV_CMD, MAV_FRAME } from '../../common/mav-cmd.js';
import { isNav, type Mission, type MissionItem, type Params7 } from './items.js';
import type { ReadResult } from './qgc-plan.js';

/** The largest KML read (characters) and the most Placemarks: a file beyond either is refused, not parsed. */
export const KML_MAX_CHARS = 4_000_000;
export const KML_MAX_PLACEMARKS = 5_000;

export interface KmlRoute { name: string; description?: string; coords: { lon: number; lat: number; altM: number }[] }

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const unesc = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');

export function toKml(docName: string, routes: KmlRoute[]): string {
  const pm = routes.map((r) => [
    '    <Placemark>',
    `      <name>${esc(r.name)}</name>`,
    r.description ? `      <description>${esc(r.description)}</description>` : '',
    '      <LineString>',
    '        <altitudeMode>relativeToGround</altitudeMode>',
    `        <coordinates>${r.coords.map((c) => `${c.lon.toFixed(7)},${c.lat.toFixed(7)},${c.altM}`).join(' ')}</coordinates>`,
    '      </LineString>',
    '    </Placemark>',
  ].filter(Boolean).join('\n'));
  return `<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2">\n  <Document>\n    <name>${esc(docName)}</name>\n${pm.join('\n')}\n  </Document>\n</kml>\n`;
}

export function fromKml(text: string): ReadResult<KmlRoute[]> {
  if (typeof text !== 'string') return err('invalid-input', 'not text');
  if (text.length > KML_MAX_CHARS) return err('invalid-input', `KML of ${text.length} characters is larger than the ${KML_MAX_CHARS} read`);
  if (!/<kml[\s>]/i.test(text)) return err('invalid-input', 'not a KML document (no <kml> element)');
  const out: KmlRoute[] = [];
  const placemarks = elements(text, 'Placemark');
  if (!placemarks.ok) return placemarks;
  for (const [i, pm] of placemarks.value.entries()) {
    const name = unesc(/<name>([\s\S]*?)<\/name>/i.exec(pm)?.[1]?.trim() ?? `placemark ${i + 1}`);
    const geom = coordinatesAfter(pm, '<linestring') ?? coordinatesAfter(pm, '<outerboundaryis');
    if (geom === undefined) continue;
    const coords: KmlRoute['coords'] = [];
    for (const tuple of geom.trim().split(/\s+/)) {
      const [lon, lat, alt] = tuple.split(',').map(Number);
      if (!Number.isFinite(lon) || !Number.isFinite(lat)) return err('invalid-input', `Placemark "${name}": bad coordinate "${tuple}"`);
      coords.push({ lon: lon!, lat: lat!, altM: Number.isFinite(alt) ? alt! : 0 });
    }
    out.push({ name, coords });
  }
  if (!out.length) return err('invalid-input', 'no Placemark with a LineString or Polygon');
  return { ok: true, value: out };
}

export const kmlPath = (r: KmlRoute): LonLat[] => r.coords.map((c) => [c.lon, c.lat]);

/** The text of the first <coordinates> after `tag` in a Placemark (indexOf only: linear whatever the text). */
function coordinatesAfter(pm: string, tag: string): string | undefined {
  const lower = pm.toLowerCase();
  const t = lower.indexOf(tag);
  if (t < 0) return undefined;
  const a = lower.indexOf('<coordinates>', t);
  const b = a < 0 ? -1 : lower.indexOf('</coordinates>', a);
  return b < 0 ? undefined : pm.slice(a + '<coordinates>'.length, b);
}

/**
 * The bodies of every `<tag …>…</tag>` in order (not nested in each other), found with indexOf: linear in the
 * text, whatever it holds (a lazy regex over a hostile file of unclosed tags is quadratic). At most
 * KML_MAX_PLACEMARKS of them.
 */
function elements(text: string, tag: string): ReadResult<string[]> {
  const out: string[] = [];
  const lower = text.toLowerCase();
  const open = `<${tag.toLowerCase()}`;
  const close = `</${tag.toLowerCase()}>`;
  let at = 0;
  for (;;) {
    const a = lower.indexOf(open, at);
    if (a < 0) return { ok: true, value: out };
    const next = lower[a + open.length];
    if (next !== '>' && next !== ' ' && next !== '\n' && next !== '\t' && next !== '\r' && next !== '/') {
      at = a + open.length;
      continue;
    }
    const b = lower.indexOf(close, a);
    if (b < 0) return err('invalid-input', `<${tag}> at character ${a} is never closed`);
    if (out.length >= KML_MAX_PLACEMARKS) return err('invalid-input', `more than ${KML_MAX_PLACEMARKS} <${tag}> elements`);
    out.push(text.slice(a, b + close.length));
    at = b + close.length;
  }
}

/** What each item is, in both languages, for the Placemark's name (a person reading the KML in Google Earth). */
const KIND_NAME: Record<number, string> = {
  16: '航点 waypoint', 17: '盘旋 loiter', 18: '绕圈 loiter turns', 19: '悬停 hover', 20: '返航 return to launch', 21: '降落 land',
  22: '起飞 takeoff', 178: '速度 speed', 195: '云台 camera point', 197: '云台复位 camera release', 201: '云台 camera point',
  2500: '开始录像 start video', 2501: '停止录像 stop video',
};
const PARAM_NAMES = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7'] as const;
const hasPlace = (it: MissionItem) => Number.isFinite(it.params[4]) && Number.isFinite(it.params[5]) && !(it.params[4] === 0 && it.params[5] === 0);
const numText = (v: number) => (Number.isNaN(v) ? '' : String(v));
const data = (o: Record<string, string>) =>
  `<ExtendedData>${Object.entries(o).map(([k, v]) => `<Data name="${k}"><value>${esc(v)}</value></Data>`).join('')}</ExtendedData>`;

/**
 * A mission as KML: the route a drone flies as one LineString (home, then every positioned navigation item;
 * altitudes relative to home), and one Placemark per item numbered as on the wire (home is 0, the first item
 * 1) with its altitude and, in ExtendedData, every MAVLink field, so that `missionFromKml` gives back exactly
 * the items it was given.
 */
export function missionToKml(name: string, m: Mission): string {
  const route = [{ lon: m.home.lon, lat: m.home.lat, altM: 0 }];
  for (const it of m.items) if (isNav(it) && hasPlace(it)) route.push({ lon: it.params[5], lat: it.params[4], altM: it.params[6] });
  const pms: string[] = [
    `    <Placemark><name>${esc(name)}</name><LineString><altitudeMode>relativeToGround</altitudeMode><coordinates>${route.map((c) => `${c.lon},${c.lat},${c.altM}`).join(' ')}</coordinates></LineString></Placemark>`,
    `    <Placemark><name>H 起点 home</name>${data({ seq: '0', home: '1', alt: String(m.home.altM) })}<Point><altitudeMode>absolute</altitudeMode><coordinates>${m.home.lon},${m.home.lat},${m.home.altM}</coordinates></Point></Placemark>`,
  ];
  m.items.forEach((it, i) => {
    const fields: Record<string, string> = { seq: String(i + 1), command: String(it.command), frame: String(it.frame), autoContinue: it.autoContinue ? '1' : '0' };
    PARAM_NAMES.forEach((k, j) => (fields[k] = numText(it.params[j]!)));
    const point = hasPlace(it) ? `<Point><altitudeMode>relativeToGround</altitudeMode><coordinates>${it.params[5]},${it.params[4]},${numText(it.params[6]) || 0}</coordinates></Point>` : '';
    pms.push(`    <Placemark><name>${i + 1} ${KIND_NAME[it.command] ?? `MAV_CMD ${it.command}`}</name>${data(fields)}${point}</Placemark>`);
  });
  const doc = data({ 'kongxun-mission': '1', cruiseMps: String(m.cruiseMps), hoverMps: String(m.hoverMps) });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2">\n  <Document>\n    <name>${esc(name)}</name>\n    ${doc}\n${pms.join('\n')}\n  </Document>\n</kml>\n`;
}

function fieldsOf(pm: string): Map<string, string> {
  const out = new Map<string, string>();
  const re = /<Data\s+name="([A-Za-z0-9_-]{1,40})"\s*>\s*<value>([^<]{0,80})<\/value>\s*<\/Data>/g;
  for (let m = re.exec(pm); m; m = re.exec(pm)) out.set(m[1]!, unesc(m[2]!.trim()));
  return out;
}

const DEFAULT_ALT_M = 30;

/**
 * A mission from KML. A file `missionToKml` wrote gives back its items exactly (every field from the
 * Placemarks' ExtendedData; numbered 1…N without gaps). Any other KML (a route drawn in Google Earth or
 * QGIS) gives a mission that takes off at its LineString's first point, flies every point as a waypoint
 * (its altitude, or 30 m when it has none) and returns to launch. A file too large, not KML, or with a bad
 * number is an error naming what and where.
 */
export function missionFromKml(text: string): ReadResult<Mission> {
  if (typeof text !== 'string') return err('invalid-input', 'not text');
  if (text.length > KML_MAX_CHARS) return err('invalid-input', `KML of ${text.length} characters is larger than the ${KML_MAX_CHARS} read`);
  if (!/<kml[\s>]/i.test(text)) return err('invalid-input', 'not a KML document (no <kml> element)');
  const pms = elements(text, 'Placemark');
  if (!pms.ok) return pms;
  const firstPm = text.search(/<Placemark[\s>]/i);
  const docFields = fieldsOf(firstPm >= 0 ? text.slice(0, firstPm) : text.slice(0, 4000));
  if (docFields.get('kongxun-mission') !== '1') return foreignKml(text);
  const num = (f: Map<string, string>, k: string, where: string, o: { optional?: boolean; int?: boolean; min?: number; max?: number } = {}): number | string => {
    const v = f.get(k);
    if (v === undefined || v === '') return o.optional ? NaN : `${where}: ${k} is missing`;
    const n = Number(v);
    if (!Number.isFinite(n) || (o.int && !Number.isInteger(n)) || (o.min !== undefined && n < o.min) || (o.max !== undefined && n > o.max)) return `${where}: ${k} "${v}" is not a valid number`;
    return n;
  };
  const cruise = num(docFields, 'cruiseMps', 'Document', { min: 0.1, max: 100 });
  const hover = num(docFields, 'hoverMps', 'Document', { min: 0.1, max: 100 });
  if (typeof cruise === 'string') return err('invalid-input', cruise);
  if (typeof hover === 'string') return err('invalid-input', hover);
  let home: Mission['home'] | undefined;
  const items: MissionItem[] = [];
  for (const [i, pm] of pms.value.entries()) {
    const f = fieldsOf(pm);
    if (!f.has('seq')) continue; // the route's LineString, or a Placemark someone added
    const where = `Placemark ${i + 1}`;
    if (f.get('home') === '1') {
      const c = /<coordinates>\s*([^<]{1,200})<\/coordinates>/i.exec(pm)?.[1]?.trim().split(',').map(Number);
      if (!c || c.length < 2 || !c.every(Number.isFinite) || Math.abs(c[1]!) > 90 || Math.abs(c[0]!) > 180) return err('invalid-input', `${where} (home): bad coordinates`);
      const alt = num(f, 'alt', where, { min: -1000, max: 10000 });
      if (typeof alt === 'string') return err('invalid-input', alt);
      home = { lat: c[1]!, lon: c[0]!, altM: alt };
      continue;
    }
    const seq = num(f, 'seq', where, { int: true, min: 1 });
    if (typeof seq === 'string') return err('invalid-input', seq);
    if (seq !== items.length + 1) return err('invalid-input', `${where}: item ${seq} where item ${items.length + 1} was expected`);
    const command = num(f, 'command', where, { int: true, min: 0, max: 65535 });
    const frame = num(f, 'frame', where, { int: true, min: 0, max: 21 });
    if (typeof command === 'string') return err('invalid-input', command);
    if (typeof frame === 'string') return err('invalid-input', frame);
    const params: number[] = [];
    for (const k of PARAM_NAMES) {
      const v = num(f, k, where, { optional: true, ...(k === 'p5' ? { min: -90, max: 90 } : k === 'p6' ? { min: -180, max: 180 } : {}) });
      if (typeof v === 'string') return err('invalid-input', v);
      params.push(v);
    }
    items.push({ command, frame, params: params as Params7, autoContinue: f.get('autoContinue') !== '0' });
  }
  if (!home) return err('invalid-input', 'no home Placemark (seq 0)');
  return { ok: true, value: { home, items, cruiseMps: cruise, hoverMps: hover } };
}

function foreignKml(text: string): ReadResult<Mission> {
  const r = fromKml(text);
  if (!r.ok) return r;
  const route = r.value.find((x) => x.coords.length > 0);
  if (!route) return err('invalid-input', 'no Placemark with a LineString or Polygon');
  for (const c of route.coords) if (Math.abs(c.lat) > 90 || Math.abs(c.lon) > 180 || Math.abs(c.altM) > 10000) return err('invalid-input', `route "${route.name}": ${c.lon},${c.lat},${c.altM} is not a place`);
  const alt = (a: number) => (a > 0 ? a : DEFAULT_ALT_M);
  const [first] = route.coords;
  const items: MissionItem[] = [
    { command: MAV_CMD.NAV_TAKEOFF, frame: MAV_FRAME.GLOBAL_RELATIVE_ALT, params: [0, 0, 0, 0, first!.lat, first!.lon, alt(first!.altM)], autoContinue: true },
    ...route.coords.slice(1).map((c): MissionItem => ({ command: MAV_CMD.NAV_WAYPOINT, frame: MAV_FRAME.GLOBAL_RELATIVE_ALT, params: [0, 0, 0, 0, c.lat, c.lon, alt(c.altM)], autoContinue: true })),
    { command: MAV_CMD.NAV_RETURN_TO_LAUNCH, frame: MAV_FRAME.GLOBAL_RELATIVE_ALT, params: [0, 0, 0, 0, 0, 0, 0], autoContinue: true },
  ];
  return { ok: true, value: { home: { lat: first!.lat, lon: first!.lon, altM: 0 }, items, cruiseMps: 10, hoverMps: 5 } };
}
