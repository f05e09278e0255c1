/**
 * One tlog read record by record into flights (station/replay/flights.ts says what a flight is): the vehicle's
 * frames through the live console's reducer; arming opens a flight, disarming or a lost link closes it; each
 * flight's summary (always) and its samples and events (detail) accumulated on the way. A walker keeps where it
 * got to, so a growing file is read on from there.
 */
import { open } from 'node:fs/promises';
import { common, minimal } from 'mavlink-mappings';
import { decodePayload } from '../../mavlink/codec/messages.js';
import type { FlightEvent, FlightSample } from '../../common/api/contract.js';
import { readTlog, type TlogStats } from '../storage/tlog.js';
import { groundDistanceM } from '../../common/geo.js';
import { initialVehicleState, reduceVehicleOwned, type VehicleState } from '../vehicle/vehicle-state.js';

/** A gap longer than this in the vehicle's frames is a lost link (the live registry's `lostAfterMs`). */
export const LINK_GAP_MS = 5000;
/** One sample per this many ms: at most 5 per second. */
export const SAMPLE_MS = 200;
const LINK = 'tlog';
/** Records reduced between two turns of the event loop (a live station keeps serving its links). */
const YIELD_EVERY = 4000;

/** Running totals of one flight while its records are read. */
export interface FlightAcc {
  startMs: number;
  /** Byte offset of the record that armed, and the reducer state (and last frame time) just before it. */
  startOffset: number;
  /**
   * The state before the flight, for a detail walk from its first record: its telemetry, with counters of its
   * own (a walk updates counters in place; sharing the listing walker's would let a detail walk change them, and
   * the duplicate filter's memory of later frames drop the arming HEARTBEAT as a repeat). Copy before each walk.
   */
  startState: VehicleState;
  startPrevMs: number | null;
  endMs: number;
  /** Byte offset just after the record that disarmed (or after the last record read). */
  endOffset: number;
  closed: boolean;
  maxAltRelM: number | null;
  distanceM: number;
  minBatteryPct: number | null;
  lastPos: { latDeg: number; lonDeg: number; atMs: number } | null;
  armPos: { latDeg: number; lonDeg: number } | null;
  home: { latDeg: number; lonDeg: number } | null;
  /** Detail only. */
  samples: FlightSample[] | null;
  events: FlightEvent[] | null;
  lastBucket: number;
}

/** The reading of one file: where it got to and the reducer's state there, so that it can read on. */
export interface Walker {
  /** The file's vehicle, when known. */
  sysid: number | null;
  /** Whether `sysid` came from the file name (else it is inferred from the first autopilot HEARTBEAT). */
  named: boolean;
  state: VehicleState | null;
  /** Last frame of the vehicle, and last record of anyone (our own frames go on after a link is lost). */
  lastVehicleMs: number | null;
  lastRecordMs: number | null;
  open: FlightAcc | null;
  closed: FlightAcc[];
  /** Detail mode: collect samples and events, stop after the first flight closes. */
  detail: boolean;
}

/** The sysid in a recorder's file name (`…_sys11_…`), as recorder.ts names them. */

const textLevel = (severity: number): FlightEvent['level'] =>
  severity <= common.MavSeverity.CRITICAL ? 'alert' : severity <= common.MavSeverity.WARNING ? 'warning' : 'info';

const yieldNow = () => new Promise<void>((r) => setImmediate(r));

export function newWalker(sysid: number | null, detail: boolean): Walker {
  return { sysid, named: sysid !== null, state: null, lastVehicleMs: null, lastRecordMs: null, open: null, closed: [], detail };
}

function openFlight(w: Walker, atMs: number, offset: number, before: VehicleState, prevMs: number | null): FlightAcc {
  return {
    startMs: atMs,
    startOffset: offset,
    // Kept for every flight listed: without the text log and message rates, which no replay figure reads
    // (chunks of a text still being reassembled stay).
    startState: { ...before, statustext: { ...before.statustext, entries: [], arming: [] }, rates: {}, links: {}, recent: { keys: [], atMs: [], next: 0 } },
    startPrevMs: prevMs,
    endMs: atMs,
    endOffset: offset,
    closed: false,
    maxAltRelM: null,
    distanceM: 0,
    minBatteryPct: null,
    lastPos: null,
    armPos: null,
    home: null,
    samples: w.detail ? [] : null,
    events: w.detail ? [] : null,
    lastBucket: -1,
  };
}

function sampleOf(s: VehicleState, t: number): FlightSample {
  return {
    t,
    latDeg: s.position?.latDeg ?? null,
    lonDeg: s.position?.lonDeg ?? null,
    altRelM: s.position?.altRelM ?? null,
    headingDeg: s.headingDeg,
    groundSpeedMps: s.velocity?.groundSpeedMps ?? null,
    climbMps: s.velocity?.climbMps ?? null,
    batteryPct: s.battery?.remainingPct ?? null,
    voltageV: s.battery?.voltageV ?? null,
    mode: s.mode,
    armed: s.armed,
  };
}

/** Fold the state after one frame into the open flight's totals (and its samples in detail mode). */
function track(f: FlightAcc, s: VehicleState, t: number): void {
  const p = s.position;
  // A position of 0,0 is ArduPilot's "no fix yet", not a place.
  if (p && !(p.latDeg === 0 && p.lonDeg === 0) && p.atMs !== f.lastPos?.atMs) {
    f.maxAltRelM = f.maxAltRelM === null ? p.altRelM : Math.max(f.maxAltRelM, p.altRelM);
    if (f.lastPos) f.distanceM += groundDistanceM(f.lastPos, p);
    f.lastPos = { latDeg: p.latDeg, lonDeg: p.lonDeg, atMs: p.atMs };
    f.armPos ??= { latDeg: p.latDeg, lonDeg: p.lonDeg };
  }
  const b = s.battery?.remainingPct;
  if (b !== null && b !== undefined) f.minBatteryPct = f.minBatteryPct === null ? b : Math.min(f.minBatteryPct, b);
  if (s.home) f.home = { latDeg: s.home.latDeg, lonDeg: s.home.lonDeg };
  if (f.samples) {
    const bucket = Math.floor((t - f.startMs) / SAMPLE_MS);
    if (bucket !== f.lastBucket) {
      f.lastBucket = bucket;
      f.samples.push(sampleOf(s, t));
    }
  }
}

const event = (f: FlightAcc, e: FlightEvent) => f.events?.push(e);

/**
 * Read the records of `bytes` (which start at file offset `base`) into the walker. Returns the bytes consumed:
 * whole records and skipped bytes, not a truncated record at the end (the next read starts there).
 */
export async function walk(w: Walker, bytes: Uint8Array, base: number, stats: TlogStats): Promise<number> {
  const skippedBefore = stats.skippedBytes;
  let recordBytes = 0;
  let n = 0;
  for (const { timeUs, frame } of readTlog(bytes, stats)) {
    const recStart = base + recordBytes + (stats.skippedBytes - skippedBefore);
    recordBytes += 8 + frame.raw.length;
    const recEnd = recStart + 8 + frame.raw.length;
    const t = timeUs / 1000;
    w.lastRecordMs = t;
    if (++n % YIELD_EVERY === 0) await yieldNow();
    const message = decodePayload(frame.msgid, frame.payload);
    if (w.sysid === null && !w.named && message instanceof minimal.Heartbeat && message.type !== minimal.MavType.GCS && message.autopilot !== minimal.MavAutopilot.INVALID) {
      w.sysid = frame.sysid;
    }
    if (frame.sysid !== w.sysid) continue;
    // The vehicle is its autopilot component, as the live registry decides: the first HEARTBEAT of an autopilot.
    if (!w.state) {
      if (!(message instanceof minimal.Heartbeat) || message.type === minimal.MavType.GCS || message.autopilot === minimal.MavAutopilot.INVALID) continue;
      w.state = initialVehicleState(frame.sysid, frame.compid, message.autopilot, message.type);
    }
    const prevMs = w.lastVehicleMs;
    const f0 = w.open;
    if (f0 && prevMs !== null && t - prevMs > LINK_GAP_MS) {
      event(f0, { t: prevMs, kind: 'link-lost', level: 'alert', text: `link lost (${((t - prevMs) / 1000).toFixed(1)} s without a frame)` });
      event(f0, { t, kind: 'link-regained', level: 'info', text: 'link regained' });
    }
    w.lastVehicleMs = t;
    const prev = w.state;
    const { state, texts } = reduceVehicleOwned(prev, {
      type: 'frame',
      link: LINK,
      sysid: frame.sysid,
      compid: frame.compid,
      seq: frame.seq,
      msgid: frame.msgid,
      message,
      atMs: t,
    });
    w.state = state;
    const heartbeat = message instanceof minimal.Heartbeat && frame.compid === state.compid;
    if (!prev.armed && state.armed) {
      const f = openFlight(w, t, recStart, prev, prevMs);
      w.open = f;
      event(f, { t, kind: 'armed', level: 'info', text: 'armed' });
    }
    const f = w.open;
    if (!f) continue;
    if (heartbeat && prev.lastHeartbeatMs !== null && prev.mode !== state.mode) {
      event(f, { t, kind: 'mode', level: 'info', text: `mode ${prev.mode} → ${state.mode}` });
    }
    for (const e of texts) if (e.atMs >= f.startMs) event(f, { t: e.atMs, kind: 'statustext', level: textLevel(e.severity), text: e.text });
    track(f, state, t);
    f.endMs = t;
    f.endOffset = recEnd;
    if (prev.armed && !state.armed) {
      event(f, { t, kind: 'disarmed', level: 'info', text: 'disarmed' });
      f.closed = true;
      w.closed.push(f);
      w.open = null;
      if (w.detail) return recEnd - base;
    }
  }
  return recordBytes + (stats.skippedBytes - skippedBefore);
}

export async function readRange(path: string, from: number, to: number): Promise<Uint8Array> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(Math.max(0, to - from));
    let got = 0;
    while (got < buf.length) {
      const { bytesRead } = await fh.read(buf, got, buf.length - got, from + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return new Uint8Array(buf.buffer, buf.byteOffset, got);
  } finally {
    await fh.close();
  }
}
