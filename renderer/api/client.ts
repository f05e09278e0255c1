/**
 * One client to the station, two transports: WebSocket (web console, wall screen, remote viewers) and a
 * MessagePort handed over by the desktop app's preload (IPC, no socket). Both carry the same JSON messages
 * of common/api/contract.ts. The WebSocket reconnects with backoff when the station goes away.
 */
import type { ClientMessage, LookRequestView, Override, ServerMessage, VehicleCommand } from '../../common/api/contract.js';
import { commandIssues, rulesOf } from '../features/flight-check.js';
import { applySnapshot, pushEvent, type CommandEntry, type ConsoleStore } from '../state/store.js';

export interface Transport {
  /** Starts delivering messages and link states; returns a function that stops it. */
  start(onMessage: (text: string) => void, onLink: (up: boolean) => void): () => void;
  send(text: string): boolean;
}

export function webSocketTransport(url: string): Transport {
  let ws: WebSocket | undefined;
  return {
    start(onMessage, onLink) {
      let closed = false;
      let backoffMs = 250;
      const open = () => {
        ws = new WebSocket(url);
        ws.onopen = () => {
          backoffMs = 250;
          onLink(true);
        };
        ws.onmessage = (ev) => onMessage(String(ev.data));
        ws.onclose = (ev) => {
          onLink(false);
          if (closed) return;
          // The session ended (sign-out elsewhere, account changed, 12 h): back to the sign-in page.
          if (ev.code === 4401) return location.reload();
          setTimeout(() => {
            // A refused upgrade is only a 1006 in the browser: ask whether we are still signed in.
            void fetch('/api/me', { credentials: 'same-origin', cache: 'no-store' }).then(
              (r) => (r.status === 401 ? location.reload() : open()),
              () => open(),
            );
          }, (backoffMs = Math.min(backoffMs * 2, 5000)));
        };
      };
      open();
      return () => {
        closed = true;
        ws?.close();
      };
    },
    send: (text) => {
      if (ws?.readyState !== WebSocket.OPEN) return false;
      ws.send(text);
      return true;
    },
  };
}

/** The desktop app's IPC: the preload posts a MessagePort to the page (window message 'kongxun:port'). */
export function messagePortTransport(port: MessagePort): Transport {
  return {
    start(onMessage, onLink) {
      port.onmessage = (ev) => onMessage(typeof ev.data === 'string' ? ev.data : JSON.stringify(ev.data));
      port.start();
      onLink(true);
      return () => port.close();
    },
    send: (text) => {
      port.postMessage(text);
      return true;
    },
  };
}

export interface StationClient {
  /**
   * Send a command. A go-to, orbit or take-off the station's flight check refuses (no-fly zone, outside the
   * jurisdiction, above the ceiling) is refused on the spot with its issues and not sent, unless a pilot's
   * `override` with a written reason goes with it (the station checks and audits it again).
   */
  command(sysid: number, cmd: VehicleCommand, override?: Override): Promise<CommandEntry>;
  /** "Go and look here": the station's dispatcher picks the drone; the answer lands in the store's `looks`. */
  look(req: LookRequestView): void;
  /** Upload a mission file's text to a drone; progress and result land in the store's `upload`. */
  upload(sysid: number, name: string, text: string, override?: Override): void;
  /** Acknowledge an instruction from the centre; the station's list comes back with who acknowledged it. */
  ackInstruction(id: string): void;
  close(): void;
}

let nextId = 1;

export function connectStation(store: ConsoleStore, transport: Transport): StationClient {
  const waiting = new Map<string, (e: CommandEntry) => void>();
  const update = (requestId: string, patch: Partial<CommandEntry>): CommandEntry | undefined => {
    let done: CommandEntry | undefined;
    const commands = store.getState().commands.map((c) => (c.requestId === requestId ? (done = { ...c, ...patch }) : c));
    store.setState({ commands });
    return done;
  };
  const stop = transport.start(
    (text) => {
      const m = JSON.parse(text) as ServerMessage;
      if (m.type === 'snapshot') applySnapshot(store, m);
      else if (m.type === 'hello') store.setState({ station: m.station, geography: m.geography, simulated: m.simulated, tiles: m.tiles ?? null, events: [], ...(m.who ? { who: m.who } : {}), ...(m.timezone ? { timezone: m.timezone } : {}), ...(m.fleet ? { fleet: m.fleet } : {}) });
      else if (m.type === 'plan') store.setState({ plan: m });
      else if (m.type === 'actual') store.setState({ actual: m });
      else if (m.type === 'look-result') store.setState({ looks: store.getState().looks.map((l) => (l.requestId === m.requestId ? { ...l, ok: m.ok, id: m.id, reason: m.reason } : l)) });
      else if (m.type === 'event') pushEvent(store, m.event);
      else if (m.type === 'instructions') store.setState({ instructions: m.list });
      else if (m.type === 'ack-instruction-result') store.setState({ instructionError: m.ok ? null : m.reason });
      else if (m.type === 'upload-progress' || m.type === 'upload-result') {
        const u = store.getState().upload;
        if (u?.requestId !== m.requestId) return;
        if (m.type === 'upload-progress') store.setState({ upload: { ...u, phase: m.phase, done: m.done, total: m.total } });
        else store.setState({ upload: { ...u, ok: m.ok, verifiedBy: m.verifiedBy, reason: m.reason, takenOver: m.takenOver ?? null, done: m.ok ? u.total || m.count : u.done, total: u.total || m.count } });
      } else if (m.type === 'result') {
        const e = update(m.requestId, { ok: m.ok, result: m.result, reason: m.reason });
        if (e) waiting.get(m.requestId)?.(e);
        waiting.delete(m.requestId);
      }
    },
    (up) => store.setState({ link: up ? 'connected' : 'disconnected' }),
  );
  return {
    command(sysid, cmd, override) {
      const requestId = `c${Date.now().toString(36)}-${nextId++}`;
      const drone = store.getState().vehicles.find((v) => v.sysid === sysid)?.id ?? `sys${sysid}`;
      const issues = override ? [] : commandIssues(rulesOf(store.getState().geography), cmd);
      if (issues.length > 0) {
        const refused: CommandEntry = { requestId, sysid, drone, command: cmd, sentMs: Date.now(), ok: false, result: 'refused', reason: issues.map((i) => i.reason).join('; '), issues };
        store.setState({ commands: [refused, ...store.getState().commands].slice(0, 50) });
        return Promise.resolve(refused);
      }
      const entry: CommandEntry = { requestId, sysid, drone, command: cmd, sentMs: Date.now(), ...(override ? { override: override.reason } : {}) };
      store.setState({ commands: [entry, ...store.getState().commands].slice(0, 50) });
      if (cmd.command === 'goto' || cmd.command === 'orbit')
        store.setState({ targets: { ...store.getState().targets, [sysid]: { latDeg: cmd.latDeg, lonDeg: cmd.lonDeg, kind: cmd.command } } });
      const msg = { type: 'command', requestId, sysid, ...cmd, ...(override ? { override } : {}) } as ClientMessage;
      return new Promise<CommandEntry>((resolve) => {
        if (!transport.send(JSON.stringify(msg))) {
          resolve(update(requestId, { ok: false, result: 'error', reason: 'not connected' }) ?? entry);
          return;
        }
        waiting.set(requestId, resolve);
      });
    },
    look(req) {
      const requestId = `l${Date.now().toString(36)}-${nextId++}`;
      const sent = transport.send(JSON.stringify({ type: 'look', requestId, ...req } satisfies ClientMessage));
      const entry = sent ? { requestId, sentMs: Date.now() } : { requestId, sentMs: Date.now(), ok: false, id: null, reason: 'not connected' };
      store.setState({ looks: [entry, ...store.getState().looks].slice(0, 20) });
    },
    upload(sysid, name, text, override) {
      const requestId = `u${Date.now().toString(36)}-${nextId++}`;
      const drone = store.getState().vehicles.find((v) => v.sysid === sysid)?.id ?? `sys${sysid}`;
      store.setState({ upload: { requestId, sysid, drone, name, phase: 'upload', done: 0, total: 0 } });
      if (!transport.send(JSON.stringify({ type: 'upload', requestId, sysid, name, text, ...(override ? { override } : {}) } satisfies ClientMessage)))
        store.setState({ upload: { requestId, sysid, drone, name, phase: 'upload', done: 0, total: 0, ok: false, reason: 'not connected' } });
    },
    ackInstruction(id) {
      const requestId = `i${Date.now().toString(36)}-${nextId++}`;
      if (!transport.send(JSON.stringify({ type: 'ack-instruction', requestId, id } satisfies ClientMessage))) store.setState({ instructionError: 'not connected' });
    },
    close: stop,
  };
}
