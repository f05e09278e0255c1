/**
 * The payloads between a station and the sub-bureau centre, as JSON Schemas (draft 2020-12 subset), and the
 * validator that checks every payload either side receives before it is used. The same schema objects are
 * printed in resources/formats/centre.md (a test checks the document carries exactly these).
 *
 * The validator understands what these schemas use: type (object, array, string, number, integer, boolean,
 * null, or a list of them), properties, required, additionalProperties: false, enum, const, minimum, maximum,
 * minLength, maxLength, pattern, items, maxItems. A number must be finite. A payload is also bounded in bytes
 * before it is parsed (`parsePayload`).
 */
import { err, ok, type Result } from '../../common/result.js';

export interface Schema {
  $id?: string;
  title?: string;
  description?: string;
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: false;
  enum?: readonly (string | number)[];
  const?: string | number;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  items?: Schema;
  maxItems?: number;
}

/** Largest payload either side accepts (a daily report with 100 gaps fits easily). */
export const MAX_PAYLOAD_BYTES = 256 * 1024;
/** The protocol version in the topic tree (`kongxun/v1/…`) and in every payload (`v`). */
export const PROTOCOL_VERSION = 1;

const typeOf = (x: unknown): string => (x === null ? 'null' : Array.isArray(x) ? 'array' : Number.isInteger(x) ? 'integer' : typeof x);

/** Check `x` against `s`; the error names the path and what is wrong. */
export function check(s: Schema, x: unknown, path = '$'): Result<void> {
  if (typeof x === 'number' && !Number.isFinite(x)) return err('schema', `${path}: not a finite number`);
  if (s.type !== undefined) {
    const types = Array.isArray(s.type) ? s.type : [s.type];
    const t = typeOf(x);
    if (!types.includes(t) && !(t === 'integer' && types.includes('number'))) return err('schema', `${path}: expected ${types.join(' or ')}, got ${t}`);
  }
  if (s.const !== undefined && x !== s.const) return err('schema', `${path}: must be ${JSON.stringify(s.const)}`);
  if (s.enum && !s.enum.includes(x as string)) return err('schema', `${path}: must be one of ${s.enum.join(', ')}`);
  if (typeof x === 'number') {
    if (s.minimum !== undefined && x < s.minimum) return err('schema', `${path}: ${x} below ${s.minimum}`);
    if (s.maximum !== undefined && x > s.maximum) return err('schema', `${path}: ${x} above ${s.maximum}`);
  }
  if (typeof x === 'string') {
    if (s.maxLength !== undefined && x.length > s.maxLength) return err('schema', `${path}: longer than ${s.maxLength}`);
    if (s.minLength !== undefined && x.length < s.minLength) return err('schema', `${path}: shorter than ${s.minLength}`);
    if (s.pattern !== undefined && !new RegExp(s.pattern, 'u').test(x)) return err('schema', `${path}: does not match ${s.pattern}`);
  }
  if (Array.isArray(x)) {
    if (s.maxItems !== undefined && x.length > s.maxItems) return err('schema', `${path}: more than ${s.maxItems} items`);
    if (s.items) for (let i = 0; i < x.length; i++) {
      const r = check(s.items, x[i], `${path}[${i}]`);
      if (!r.ok) return r;
    }
  }
  if (typeOf(x) === 'object') {
    const o = x as Record<string, unknown>;
    for (const k of s.required ?? []) if (!(k in o)) return err('schema', `${path}: missing ${k}`);
    for (const [k, v] of Object.entries(o)) {
      const p = s.properties?.[k];
      if (!p) {
        if (s.additionalProperties === false) return err('schema', `${path}: unknown field ${k}`);
        continue;
      }
      const r = check(p, v, `${path}.${k}`);
      if (!r.ok) return r;
    }
  }
  return ok(undefined);
}

/** Bytes → JSON → schema, each step bounded; the value is typed as the schema's payload. */
export function parsePayload<T>(s: Schema, bytes: Uint8Array | string): Result<T> {
  const size = typeof bytes === 'string' ? Buffer.byteLength(bytes) : bytes.byteLength;
  if (size > MAX_PAYLOAD_BYTES) return err('too-large', `payload of ${size} bytes (limit ${MAX_PAYLOAD_BYTES})`);
  let x: unknown;
  try {
    x = JSON.parse(typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('utf8'));
  } catch (e) {
    return err('json', `not JSON: ${(e as Error).message}`);
  }
  const r = check(s, x);
  return r.ok ? ok(x as T) : r;
}

// ---- pieces ------------------------------------------------------------------------------------------------

const ID = { type: 'string', pattern: '^[A-Za-z0-9_.:-]{1,64}$' } as const;
const TEXT = (n: number): Schema => ({ type: 'string', maxLength: n });
const MS = { type: 'integer', minimum: 0, maximum: 8.64e15 } as const;
const LAT = { type: 'number', minimum: -90, maximum: 90 } as const;
const LON = { type: 'number', minimum: -180, maximum: 180 } as const;
const HEADER = { v: { const: PROTOCOL_VERSION }, atMs: MS } as const;
const nullable = (s: Schema): Schema => ({ ...s, type: [...(Array.isArray(s.type) ? s.type : [s.type ?? 'string']), 'null'] });

// ---- station → centre ----------------------------------------------------------------------------------------

export interface StatusMsg { v: 1; atMs: number; station: string; name: string; online: boolean; outbox: string; dronesUp: number; drones: number; sortiesToday: number; sortiesFlown: number; coveragePct: number | null }
export const STATUS: Schema = {
  $id: 'kongxun/v1/status', title: 'status (retained; last will: online false)', type: 'object', additionalProperties: false,
  required: ['v', 'atMs', 'station', 'online', 'outbox'],
  properties: { ...HEADER, station: ID, name: TEXT(100), online: { type: 'boolean' }, outbox: ID, dronesUp: { type: 'integer', minimum: 0, maximum: 1000 }, drones: { type: 'integer', minimum: 0, maximum: 1000 }, sortiesToday: { type: 'integer', minimum: 0, maximum: 10000 }, sortiesFlown: { type: 'integer', minimum: 0, maximum: 10000 }, coveragePct: nullable({ type: 'number', minimum: 0, maximum: 100 }) },
};

/** One drone in the fleet snapshot: [id, lat, lon, altRelM, headingDeg, mode, batteryPct, sortie, link]. */
export type FleetRow = [string, number | null, number | null, number | null, number | null, string, number | null, string | null, 'up' | 'lost'];
export interface FleetMsg { v: 1; atMs: number; drones: FleetRow[] }
export const FLEET: Schema = {
  $id: 'kongxun/v1/fleet', title: 'fleet snapshot, 1–2 Hz, QoS 0 (rows: id, lat, lon, alt m, heading °, mode, battery %, sortie, link)', type: 'object', additionalProperties: false,
  required: ['v', 'atMs', 'drones'],
  properties: {
    ...HEADER,
    drones: { type: 'array', maxItems: 200, items: { type: 'array', maxItems: 9 } },
  },
};
const FLEET_ROW: Schema[] = [ID, nullable(LAT), nullable(LON), nullable({ type: 'number', minimum: -1000, maximum: 10000 }), nullable({ type: 'number', minimum: 0, maximum: 360 }), TEXT(32), nullable({ type: 'number', minimum: 0, maximum: 100 }), nullable(ID), { enum: ['up', 'lost'] }];
/** The fleet snapshot's rows are positional: each is checked against its column. */
export function checkFleet(m: FleetMsg): Result<void> {
  for (let i = 0; i < m.drones.length; i++) {
    const row = m.drones[i]!;
    if (row.length !== FLEET_ROW.length) return err('schema', `$.drones[${i}]: ${row.length} columns, expected ${FLEET_ROW.length}`);
    for (let c = 0; c < FLEET_ROW.length; c++) {
      const r = check(FLEET_ROW[c]!, row[c], `$.drones[${i}][${c}]`);
      if (!r.ok) return r;
    }
  }
  return ok(undefined);
}

/** Events, alerts, sortie records, reports and answers carry `seq`: the station's outbox order (gap-free per station). */
export interface EventMsg { v: 1; atMs: number; seq: number; kind: string; text: string; sortie: string | null; drone: string | null }
export const EVENT: Schema = {
  $id: 'kongxun/v1/event', title: 'event, QoS 1, in order', type: 'object', additionalProperties: false,
  required: ['v', 'atMs', 'seq', 'kind', 'text'],
  properties: { ...HEADER, seq: { type: 'integer', minimum: 1, maximum: 9e15 }, kind: TEXT(32), text: TEXT(1000), sortie: nullable(ID), drone: nullable(ID) },
};

/** An alert picture's name (station/video/alert-snapshot.ts SNAPSHOT_NAME): the alert names it, the snapshot message carries it. */
const PICTURE_FILE = { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}_\\d{13}(?:_\\d+)?\\.jpg$' } as const;

export interface AlertMsg { v: 1; atMs: number; seq: number; level: 'info' | 'warning' | 'critical'; text: string; sortie: string | null; drone: string | null; latDeg: number | null; lonDeg: number | null; snapshot?: string | null }
export const ALERT: Schema = {
  $id: 'kongxun/v1/alert', title: 'alert, QoS 1, in order', type: 'object', additionalProperties: false,
  required: ['v', 'atMs', 'seq', 'level', 'text'],
  properties: { ...HEADER, seq: EVENT.properties!.seq!, level: { enum: ['info', 'warning', 'critical'] }, text: TEXT(1000), sortie: nullable(ID), drone: nullable(ID), latDeg: nullable(LAT), lonDeg: nullable(LON), snapshot: nullable(PICTURE_FILE) },
};

/** An alert picture's JPEG is at most this (base64 in the message: 4/3 of it). */
export const MAX_PICTURE_BYTES = 96 * 1024;
/**
 * An alert's picture (issue 18): the JPEG the station made of the drone's last keyframe when the alert was raised,
 * named as the alert's `snapshot`. QoS 1 and store-and-forward like alerts, but droppable (the outbox lets
 * pictures go before it would let an alert go): no `seq`.
 */
export interface SnapshotMsg { v: 1; atMs: number; drone: string; file: string; takenAtMs: number; jpeg: string }
export const SNAPSHOT: Schema = {
  $id: 'kongxun/v1/snapshot', title: "an alert's picture (JPEG ≤ 96 KiB, base64), QoS 1, droppable: no seq", type: 'object', additionalProperties: false,
  required: ['v', 'atMs', 'drone', 'file', 'takenAtMs', 'jpeg'],
  properties: { ...HEADER, drone: ID, file: PICTURE_FILE, takenAtMs: MS, jpeg: { type: 'string', minLength: 8, maxLength: (MAX_PICTURE_BYTES / 3) * 4, pattern: '^[A-Za-z0-9+/]+={0,2}$' } },
};

export interface SortieMsg { v: 1; atMs: number; seq: number; id: string; kind: string; drone: string; state: string; launchedAtMs: number | null; landedAtMs: number | null; reason: string | null }
export const SORTIE: Schema = {
  $id: 'kongxun/v1/sortie', title: 'sortie record (on each change of state), QoS 1, in order', type: 'object', additionalProperties: false,
  required: ['v', 'atMs', 'seq', 'id', 'drone', 'state'],
  properties: { ...HEADER, seq: EVENT.properties!.seq!, id: ID, kind: TEXT(16), drone: ID, state: TEXT(32), launchedAtMs: nullable(MS), landedAtMs: nullable(MS), reason: nullable(TEXT(500)) },
};

export interface ReportMsg { v: 1; atMs: number; seq: number; date: string; request: string | null; report: Record<string, unknown> }
export const REPORT: Schema = {
  $id: 'kongxun/v1/report', title: 'daily report (station/patrol/report.ts DailyReport), QoS 1', type: 'object', additionalProperties: false,
  required: ['v', 'atMs', 'seq', 'date', 'report'],
  properties: { ...HEADER, seq: EVENT.properties!.seq!, date: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' }, request: nullable(ID), report: { type: 'object' } },
};

export type AnswerState = 'queued' | 'accepted' | 'refused' | 'arrived' | 'looked' | 'returned' | 'failed' | 'delivered' | 'acknowledged';
/** The station's Janus for one drone, for a centre that asked to watch it (issue 18): a token of its own, for a while. */
export interface VideoAccessMsg { url: string; token: string; mountpoint: number; expiresMs: number }
export interface AnswerMsg { v: 1; atMs: number; seq: number; request: string; state: AnswerState; drone: string | null; etaS: number | null; reason: string | null; by: string | null; video?: VideoAccessMsg | null }
const VIDEO_ACCESS: Schema = {
  type: ['object', 'null'], additionalProperties: false, required: ['url', 'token', 'mountpoint', 'expiresMs'],
  properties: { url: { type: 'string', maxLength: 300, pattern: '^https?://[^\\s]+$' }, token: { type: 'string', minLength: 16, maxLength: 200, pattern: '^[A-Za-z0-9_-]+$' }, mountpoint: { type: 'integer', minimum: 1, maximum: 2147483647 }, expiresMs: MS },
};
export const ANSWER: Schema = {
  $id: 'kongxun/v1/answer', title: "answer to a request, on the request's response topic, QoS 1, in order", type: 'object', additionalProperties: false,
  required: ['v', 'atMs', 'seq', 'request', 'state'],
  properties: {
    ...HEADER, seq: EVENT.properties!.seq!, request: ID,
    state: { enum: ['queued', 'accepted', 'refused', 'arrived', 'looked', 'returned', 'failed', 'delivered', 'acknowledged'] },
    drone: nullable(ID), etaS: nullable({ type: 'number', minimum: 0, maximum: 86400 }), reason: nullable(TEXT(500)), by: nullable(TEXT(100)), video: VIDEO_ACCESS,
  },
};

// ---- centre → station ----------------------------------------------------------------------------------------

export interface DispatchReq { v: 1; atMs: number; id: string; from: string; latDeg: number; lonDeg: number; radiusM: number; priority: number; holdS: number; text: string; centre?: string }
/**
 * The centre that sent a request, for brokers without MQTT 5 (the embedded trial broker, aedes, speaks 3.1.1):
 * there the request has no response topic, and the answer goes to `out/answer/<centre>` of this station.
 */
const CENTRE_ID: Schema = { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' };

export const DISPATCH: Schema = {
  $id: 'kongxun/v1/dispatch', title: '"go and look here", QoS 1, with an MQTT 5 response topic', type: 'object', additionalProperties: false,
  required: ['v', 'atMs', 'id', 'from', 'latDeg', 'lonDeg', 'radiusM', 'priority', 'holdS'],
  properties: { ...HEADER, id: ID, from: TEXT(100), latDeg: LAT, lonDeg: LON, radiusM: { type: 'number', minimum: 0, maximum: 500 }, priority: { type: 'integer', minimum: 0, maximum: 10 }, holdS: { type: 'number', minimum: 0, maximum: 3600 }, text: TEXT(500), centre: CENTRE_ID },
};

export interface InstructReq { v: 1; atMs: number; id: string; from: string; text: string; centre?: string }
export const INSTRUCT: Schema = {
  $id: 'kongxun/v1/instruct', title: 'instruction to the desk, QoS 1, with an MQTT 5 response topic', type: 'object', additionalProperties: false,
  required: ['v', 'atMs', 'id', 'from', 'text'],
  properties: { ...HEADER, id: ID, from: TEXT(100), text: { type: 'string', minLength: 1, maxLength: 1000 }, centre: CENTRE_ID },
};

export interface ReportReq { v: 1; atMs: number; id: string; from: string; date: string | null; centre?: string }
export const REPORT_REQ: Schema = {
  $id: 'kongxun/v1/report-request', title: 'request for the daily report, QoS 1, with an MQTT 5 response topic', type: 'object', additionalProperties: false,
  required: ['v', 'atMs', 'id', 'from'],
  properties: { ...HEADER, id: ID, from: TEXT(100), date: nullable({ type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' }), centre: CENTRE_ID },
};

export interface VideoReq { v: 1; atMs: number; id: string; from: string; drone: string }
export const VIDEO_REQ: Schema = {
  $id: 'kongxun/v1/video-request', title: "a drone's live video through the station's Janus, QoS 1, with an MQTT 5 response topic", type: 'object', additionalProperties: false,
  required: ['v', 'atMs', 'id', 'from', 'drone'],
  properties: { ...HEADER, id: ID, from: TEXT(100), drone: ID },
};

/** Every schema, in the order resources/formats/centre.md prints them. */
export const SCHEMAS: Schema[] = [STATUS, FLEET, EVENT, ALERT, SNAPSHOT, SORTIE, REPORT, ANSWER, DISPATCH, INSTRUCT, REPORT_REQ, VIDEO_REQ];
