/**
 * Strict checks of mission files before anything is uploaded from them: a QGroundControl `.plan` (JSON) and a
 * Mission Planner `.waypoints` (QGC WPL 110). Every problem is named by its JSON path or its line and says what
 * is wrong; a file with any problem is refused as a whole. Also the fence (polygons and circles) and rally
 * points of a `.plan` as typed values, which the `.plan` reader (qgc-plan.ts) does not carry for circles.
 * Pure TS: no Node, no DOM.
 */
import { ok, type Result } from '../../common/result.js';
import { inputError, typeName, type InputIssue } from '../errors.js';

/** MAV_FRAME values a mission item may use in a file. */
const FRAMES = new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21]);
/** Commands whose p5/p6 are latitude/longitude (checked for range when the frame is global). */
const GLOBAL_FRAMES = new Set([0, 3, 5, 6, 10, 11]);

export interface FenceCircle { lat: number; lon: number; radiusM: number; inclusion: boolean }
export interface FencePolygon { vertices: [number, number][]; inclusion: boolean }
export interface PlanExtras { polygons: FencePolygon[]; circles: FenceCircle[]; rally: { lat: number; lon: number; altM: number }[] }

/** "line 3, column 7" for a character offset in a text. */
export function lineColumn(text: string, offset: number): string {
  let line = 1;
  let col = 1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      col = 1;
    } else col++;
  }
  return `line ${line}, column ${col}`;
}

/**
 * Where JSON text first goes wrong (character offset), by a small recursive-descent scan: V8's messages give
 * a position for some errors only.
 */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\r\n'.includes(text[i]!)) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const str = () => {
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\') i++;
      else if (text.charCodeAt(i) < 0x20) fail();
      i++;
    }
    if (i >= text.length) fail();
    i++;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') return void i++;
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        str();
        ws();
        if (text[i] !== ':') fail();
        i++;
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') return void i++;
        else fail();
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') return void i++;
      for (;;) {
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') return void i++;
        else fail();
      }
    }
    if (c === '"') return str();
    const m = /^(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i, i + 64));
    if (!m) fail();
    i += m![0].length;
  };
  try {
    value();
    ws();
    return i < text.length ? i : -1;
  } catch (at) {
    return typeof at === 'number' ? at : 0;
  }
}

/** JSON.parse with the error placed at its line and column. */
export function parseJsonText(file: string, text: string): Result<unknown, 'invalid-input'> {
  try {
    return ok(JSON.parse(text) as unknown);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const m = /position (\d+)/.exec(msg);
    const at = m ? Number(m[1]) : jsonErrorOffset(text);
    const where = at >= 0 ? lineColumn(text, at) : 'JSON';
    const problem = msg.replace(/ in JSON at position \d+.*$/s, '').replace(/, "[\s\S]*$/, '').replace(/\s+/g, ' ');
    return inputError(file, [{ where, problem: `not valid JSON: ${problem}` }]);
  }
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function latLon(issues: InputIssue[], where: string, lat: unknown, lon: unknown): boolean {
  let ok = true;
  if (!isNum(lat) || lat < -90 || lat > 90) {
    issues.push({ where: `${where} latitude`, problem: `must be a number from -90 to 90, got ${typeName(lat)}` });
    ok = false;
  }
  if (!isNum(lon) || lon < -180 || lon > 180) {
    issues.push({ where: `${where} longitude`, problem: `must be a number from -180 to 180, got ${typeName(lon)}` });
    ok = false;
  }
  return ok;
}

/** Check a parsed `.plan`; on success also its fence and rally as typed values. */
export function checkPlan(file: string, json: unknown): Result<PlanExtras, 'invalid-input'> {
  const issues: InputIssue[] = [];
  const extras: PlanExtras = { polygons: [], circles: [], rally: [] };
  const fail = () => inputError(file, issues);
  if (!isObj(json)) {
    issues.push({ where: '$', problem: `must be an object, got ${typeName(json)}` });
    return fail();
  }
  if (json.fileType !== 'Plan') issues.push({ where: '$.fileType', problem: `must be "Plan", got ${typeName(json.fileType)}` });
  if (json.version !== 1) issues.push({ where: '$.version', problem: `must be 1, got ${typeName(json.version)}` });
  const ms = json.mission;
  if (!isObj(ms)) {
    issues.push({ where: '$.mission', problem: `must be an object, got ${typeName(ms)}` });
    return fail();
  }
  const hp = ms.plannedHomePosition;
  if (!Array.isArray(hp) || hp.length !== 3 || !hp.every(isNum)) {
    issues.push({ where: '$.mission.plannedHomePosition', problem: `must be [lat, lon, altM], got ${typeName(hp)}` });
  } else latLon(issues, '$.mission.plannedHomePosition', hp[0], hp[1]);
  if (!Array.isArray(ms.items)) {
    issues.push({ where: '$.mission.items', problem: `must be an array, got ${typeName(ms.items)}` });
    return fail();
  }
  ms.items.forEach((raw, i) => {
    const at = `$.mission.items[${i}]`;
    if (!isObj(raw)) return issues.push({ where: at, problem: `must be an object, got ${typeName(raw)}` });
    if (raw.type !== 'SimpleItem') {
      return issues.push({ where: `${at}.type`, problem: `${typeName(raw.type)}${typeof raw.complexItemType === 'string' ? ` (${raw.complexItemType})` : ''} is not supported: only SimpleItem` });
    }
    if (!Number.isInteger(raw.command) || (raw.command as number) < 0 || (raw.command as number) > 65535) issues.push({ where: `${at}.command`, problem: `must be a MAV_CMD number, got ${typeName(raw.command)}` });
    if (raw.frame !== undefined && (!Number.isInteger(raw.frame) || !FRAMES.has(raw.frame as number))) issues.push({ where: `${at}.frame`, problem: `must be a MAV_FRAME number, got ${typeName(raw.frame)}` });
    if (raw.autoContinue !== undefined && typeof raw.autoContinue !== 'boolean') issues.push({ where: `${at}.autoContinue`, problem: `must be true or false, got ${typeName(raw.autoContinue)}` });
    const p = raw.params;
    if (!Array.isArray(p) || p.length !== 7) return issues.push({ where: `${at}.params`, problem: `must be an array of 7 numbers or nulls, got ${Array.isArray(p) ? `${p.length} values` : typeName(p)}` });
    p.forEach((v, k) => {
      if (v !== null && !isNum(v)) issues.push({ where: `${at}.params[${k}]`, problem: `must be a number or null, got ${typeName(v)}` });
    });
    const frame = typeof raw.frame === 'number' ? raw.frame : 3;
    if (GLOBAL_FRAMES.has(frame) && isNum(p[4]) && isNum(p[5]) && !(p[4] === 0 && p[5] === 0)) latLon(issues, `${at}.params[4..5]`, p[4], p[5]);
  });
  const gf = json.geoFence;
  if (gf !== undefined) {
    if (!isObj(gf)) issues.push({ where: '$.geoFence', problem: `must be an object, got ${typeName(gf)}` });
    else {
      const polys = gf.polygons ?? [];
      if (!Array.isArray(polys)) issues.push({ where: '$.geoFence.polygons', problem: `must be an array, got ${typeName(polys)}` });
      else
        polys.forEach((pg, i) => {
          const at = `$.geoFence.polygons[${i}]`;
          if (!isObj(pg) || !Array.isArray(pg.polygon)) return issues.push({ where: at, problem: 'must be { inclusion, polygon: [[lat, lon], …] }' });
          if (typeof pg.inclusion !== 'boolean') issues.push({ where: `${at}.inclusion`, problem: `must be true or false, got ${typeName(pg.inclusion)}` });
          if (pg.polygon.length < 3) issues.push({ where: `${at}.polygon`, problem: `needs at least 3 vertices, got ${pg.polygon.length}` });
          const vertices: [number, number][] = [];
          pg.polygon.forEach((v, k) => {
            if (!Array.isArray(v) || v.length < 2) return issues.push({ where: `${at}.polygon[${k}]`, problem: `must be [lat, lon], got ${typeName(v)}` });
            if (latLon(issues, `${at}.polygon[${k}]`, v[0], v[1])) vertices.push([v[0] as number, v[1] as number]);
          });
          extras.polygons.push({ vertices, inclusion: pg.inclusion === true });
        });
      const circles = gf.circles ?? [];
      if (!Array.isArray(circles)) issues.push({ where: '$.geoFence.circles', problem: `must be an array, got ${typeName(circles)}` });
      else
        circles.forEach((c, i) => {
          const at = `$.geoFence.circles[${i}]`;
          const circle = isObj(c) ? c.circle : undefined;
          if (!isObj(c) || !isObj(circle) || !Array.isArray(circle.center)) return issues.push({ where: at, problem: 'must be { inclusion, circle: { center: [lat, lon], radius } }' });
          if (!isNum(circle.radius) || circle.radius <= 0) issues.push({ where: `${at}.circle.radius`, problem: `must be a number of metres > 0, got ${typeName(circle.radius)}` });
          if (latLon(issues, `${at}.circle.center`, circle.center[0], circle.center[1]) && isNum(circle.radius)) {
            extras.circles.push({ lat: circle.center[0] as number, lon: circle.center[1] as number, radiusM: circle.radius, inclusion: c.inclusion === true });
          }
        });
    }
  }
  const rp = json.rallyPoints;
  if (rp !== undefined) {
    const pts = isObj(rp) ? rp.points : undefined;
    if (!Array.isArray(pts)) issues.push({ where: '$.rallyPoints.points', problem: `must be an array of [lat, lon, altM], got ${typeName(pts)}` });
    else
      pts.forEach((v, i) => {
        const at = `$.rallyPoints.points[${i}]`;
        if (!Array.isArray(v) || v.length !== 3) return issues.push({ where: at, problem: `must be [lat, lon, altM], got ${typeName(v)}` });
        if (!isNum(v[2])) issues.push({ where: `${at}[2]`, problem: `altitude must be a number, got ${typeName(v[2])}` });
        if (latLon(issues, at, v[0], v[1]) && isNum(v[2])) extras.rally.push({ lat: v[0] as number, lon: v[1] as number, altM: v[2] });
      });
  }
  return issues.length ? fail() : ok(extras);
}

/** Check a `.waypoints` text line by line (real line numbers, blank lines counted). */
export function checkWaypoints(file: string, text: string): Result<null, 'invalid-input'> {
  const issues: InputIssue[] = [];
  const lines = text.split(/\r?\n/);
  const first = lines.findIndex((l) => l.trim().length > 0);
  if (first < 0 || !/^QGC WPL 1[12]0$/.test(lines[first]!.trim())) {
    issues.push({ where: `line ${first < 0 ? 1 : first + 1}`, problem: 'expected the header "QGC WPL 110"' });
    return inputError(file, issues);
  }
  let expectIndex = 0;
  for (let k = first + 1; k < lines.length; k++) {
    const l = lines[k]!.trim();
    if (!l) continue;
    const where = `line ${k + 1}`;
    const f = l.split(/\s+/);
    if (f.length !== 12) {
      issues.push({ where, problem: `expected 12 tab-separated fields (index, current, frame, command, p1–p4, lat, lon, alt, autocontinue), found ${f.length}` });
      continue;
    }
    const names = ['index', 'current', 'frame', 'command', 'param1', 'param2', 'param3', 'param4', 'latitude', 'longitude', 'altitude', 'autocontinue'];
    const n = f.map(Number);
    const bad = n.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) {
      issues.push({ where: `${where} field ${bad + 1} (${names[bad]})`, problem: `not a number: "${f[bad]}"` });
      continue;
    }
    if (n[0] !== expectIndex) issues.push({ where: `${where} field 1 (index)`, problem: `expected ${expectIndex}, got ${n[0]}` });
    expectIndex = n[0]! + 1;
    if (!Number.isInteger(n[3]) || n[3]! < 0 || n[3]! > 65535) issues.push({ where: `${where} field 4 (command)`, problem: `must be a MAV_CMD number, got ${f[3]}` });
    if (!FRAMES.has(n[2]!)) issues.push({ where: `${where} field 3 (frame)`, problem: `must be a MAV_FRAME number, got ${f[2]}` });
    if (GLOBAL_FRAMES.has(n[2]!) && !(n[8] === 0 && n[9] === 0)) {
      if (Math.abs(n[8]!) > 90) issues.push({ where: `${where} field 9 (latitude)`, problem: `must be from -90 to 90, got ${f[8]}` });
      if (Math.abs(n[9]!) > 180) issues.push({ where: `${where} field 10 (longitude)`, problem: `must be from -180 to 180, got ${f[9]}` });
    }
    if (n[11] !== 0 && n[11] !== 1) issues.push({ where: `${where} field 12 (autocontinue)`, problem: `must be 0 or 1, got ${f[11]}` });
  }
  return issues.length ? inputError(file, issues) : ok(null);
}
