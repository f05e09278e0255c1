/**
 * Test helpers for the system tests that watch a station's console over its real WebSocket while the station runs
 * on a FakeClock: a console socket (signed in) with the messages it got, and a bounded real-time wait for a value.
 */
import WebSocket from 'ws';
import type { ActualMessage, PlanMessage, ServerMessage, StationEvent } from '../../common/api/contract.js';
import { withSession } from '../sign-in.js';

/** Real time for the station's own I/O (planning writes files) to happen, bounded: the value, or a throw naming `what`. */
export async function untilValue<T>(f: () => T | undefined, what: string): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const v = f();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`never: ${what}`);
}

/** A console on the station at `url`, signed in with `cookie`: its socket, every message, the plan dates, the events and the `actual` messages it got. */
export async function consoleSocket(url: string, cookie: string) {
  const ws = new WebSocket(`${url.replace('http', 'ws')}ws`, withSession(cookie));
  const msgs: ServerMessage[] = [];
  ws.on('message', (d) => msgs.push(JSON.parse(String(d)) as ServerMessage));
  await new Promise((r) => ws.once('open', r));
  const plans = () => msgs.filter((m): m is PlanMessage => m.type === 'plan').map((m) => m.schedule.date);
  const events = () => msgs.filter((m): m is { type: 'event'; event: StationEvent } => m.type === 'event').map((m) => m.event);
  const actuals = () => msgs.filter((m): m is ActualMessage => m.type === 'actual');
  return { ws, msgs, plans, events, actuals };
}
