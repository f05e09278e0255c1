/**
 * Flight replay's video over a port instead of a WebSocket: the station end of the desktop app's
 * 'kongxun:replay-port' (electron/main.ts), one per page load. Its streams are the very peer `/ws/replay` gets
 * (station/replay/video.ts `serveReplay`: the same frames, the same ReplayStatus, the same close codes), one
 * flight at a time, under the same check (`replayRefusal`, which /ws/replay uses too: a live session with the
 * replay right). Contract: common/api/contract.ts, "The desktop app's replay port".
 *
 * Everything the page sends is checked as the socket's handler checks it: JSON text only (the socket ignores
 * binary), at most WS_MAX_CONTROL_MESSAGE bytes (the socket's maxPayload), an object of a known type with
 * fields of the right kind. A refused message gets a ReplayStatus 'error' naming why; nothing else changes.
 * The session is looked up again on every message, so a session that ended ends the stream (4401).
 */
import type { ReplayPortClosed, ReplayPortOpened, ReplayStatus } from '../../common/api/contract.js';
import type { Auth, Session } from '../auth/auth.js';
import { may } from '../gateway/rights.js';
import type { FlightCatalog } from '../replay/flights.js';
import { serveReplay, type ReplayChannel } from '../replay/video.js';
import { WS_MAX_CONTROL_MESSAGE } from './http-guard.js';
import { join } from 'node:path';

/** Why this session may not watch a recorded flight's video, or undefined when it may. */
export function replayRefusal(session: Session | undefined): string | undefined {
  if (!session) return 'not signed in (or the session ended)';
  if (!may(session.role, 'replay')) return `replay is for reviewers, pilots, dispatchers and admins; ${session.role} may not watch it`;
  return undefined;
}

/** The station's end of one page's replay port, as the transport (Electron's MessagePortMain) offers it. */
export interface ReplayPortEnd {
  postText(text: string): void;
  /** A binary frame; the transport copies it if it must (the bytes are not the port's to keep). */
  postBinary(frame: Uint8Array): void;
  /** Whatever the page posts, as it arrives (a structured clone: anything at all). */
  onMessage(cb: (data: unknown) => void): () => void;
}

export interface ReplayPortDeps {
  auth: Pick<Auth, 'session'>;
  /** Undefined when this station serves no replay. */
  replay: { flights: FlightCatalog; dataDir: string } | undefined;
}

/** Longest flight id accepted: a tlog's file name (at most 255 bytes) and `~<n>`. */
const MAX_FLIGHT_ID = 300;
const KINDS = 'replay-open, replay-close, play, pause, seek, ack';

/**
 * Serve one page's replay port; `token` is the session the port's owner vouches for (the desktop app's window
 * session). Returns the close: the open stream stops, nothing more is posted.
 */
export function serveReplayPort(d: ReplayPortDeps, end: ReplayPortEnd, token: string): () => void {
  let current: { stream: number; replay: { control(text: string): void; close(): void } } | undefined;
  let closed = false;
  let sentBytes = 0;
  let ackedBytes: number | undefined;

  const status = (reason: string) => {
    const s: ReplayStatus = { type: 'replay-status', state: 'error', atMs: null, reason };
    end.postText(JSON.stringify(s));
  };
  /** Ends the open stream; tells the page when the station ended it (not when the page asked). */
  const endStream = (told?: { code: number; reason: string }) => {
    const c = current;
    if (!c) return;
    current = undefined;
    c.replay.close();
    if (told) end.postText(JSON.stringify({ type: 'replay-closed', stream: c.stream, ...told } satisfies ReplayPortClosed));
  };
  const open = (stream: number, flight: string) => {
    endStream();
    const session = d.auth.session(token, false);
    const refusal = replayRefusal(session);
    end.postText(JSON.stringify({ type: 'replay-opened', stream, flight } satisfies ReplayPortOpened));
    const closedNow = (code: number, reason: string) => end.postText(JSON.stringify({ type: 'replay-closed', stream, code, reason } satisfies ReplayPortClosed));
    if (refusal !== undefined) {
      status(refusal);
      return session ? closedNow(4403, 'no replay right') : closedNow(4401, 'session ended');
    }
    if (!d.replay) {
      status('flight replay is not available on this station');
      return closedNow(4404, 'no replay');
    }
    const me: NonNullable<typeof current> = { stream, replay: { control: () => undefined, close: () => undefined } };
    // Only the open stream reaches the page: a replaced stream's last frames stop here.
    const live = () => current === me && !closed;
    const channel: ReplayChannel = {
      sendBinary: (b) => {
        if (!live()) return;
        sentBytes += b.byteLength;
        end.postBinary(b);
      },
      sendText: (t) => live() && end.postText(t),
      // A page that never acknowledges is taken as never backing up (as on the video port).
      buffered: () => (ackedBytes === undefined ? 0 : Math.max(0, sentBytes - ackedBytes)),
      close: (c, reason) => live() && endStream({ code: c, reason }),
    };
    current = me;
    me.replay = serveReplay(d.replay.flights, join(d.replay.dataDir, 'video'), flight, channel);
  };

  const onMessage = (data: unknown) => {
    if (closed) return;
    if (typeof data !== 'string') return status('a message on the replay port is JSON text');
    // At most 3 bytes of UTF-8 per UTF-16 unit: only a long string needs counting.
    if (data.length * 3 > WS_MAX_CONTROL_MESSAGE && Buffer.byteLength(data) > WS_MAX_CONTROL_MESSAGE)
      return status(`a message on the replay port is at most ${WS_MAX_CONTROL_MESSAGE} bytes`);
    let m: unknown;
    try {
      m = JSON.parse(data);
    } catch {
      return status('a message on the replay port is JSON text: this is not JSON');
    }
    if (!m || typeof m !== 'object' || Array.isArray(m)) return status('a message on the replay port is a JSON object');
    const o = m as Record<string, unknown>;
    const stream = o.stream;
    const isStream = typeof stream === 'number' && Number.isSafeInteger(stream) && stream >= 0;
    switch (o.type) {
      case 'ack':
        if (typeof o.bytes !== 'number' || !Number.isSafeInteger(o.bytes) || o.bytes < 0 || o.bytes > sentBytes) return status(`ack needs the bytes received, an integer from 0 to ${sentBytes}`);
        ackedBytes = o.bytes;
        return;
      case 'replay-open':
        if (!isStream) return status('replay-open needs a stream number (a non-negative integer)');
        if (typeof o.flight !== 'string' || o.flight.length === 0 || o.flight.length > MAX_FLIGHT_ID) return status(`replay-open needs a flight id (1 to ${MAX_FLIGHT_ID} characters)`);
        return open(stream, o.flight);
      case 'replay-close':
        if (!isStream || current?.stream !== stream) return status(`replay-close: stream ${JSON.stringify(stream)} is not open on this port`);
        return endStream();
      case 'play':
      case 'pause':
      case 'seek': {
        const c = current;
        if (!c) return status('no flight is open on this port: send replay-open first');
        // A session that ended (or lost its right) ends the stream, as a socket is closed when its session ends.
        const session = d.auth.session(token, false);
        const refusal = replayRefusal(session);
        if (refusal !== undefined) {
          status(refusal);
          return endStream(session ? { code: 4403, reason: 'no replay right' } : { code: 4401, reason: 'session ended' });
        }
        // The same text the socket's handler passes on: the session parses and checks it (parseReplayControl).
        return c.replay.control(data);
      }
      default:
        return status(`unknown message type ${JSON.stringify(o.type)?.slice(0, 40) ?? 'undefined'} (${KINDS})`);
    }
  };
  const off = end.onMessage(onMessage);
  return () => {
    if (closed) return;
    endStream();
    closed = true;
    off();
  };
}
