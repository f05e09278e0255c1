/** One client to the station over WebSocket; reconnects with backoff when the station goes away. */
import type { ClientMessage, ServerMessage } from '../../station/api/contract.js';
import { applySnapshot, pushEvent, type ConsoleStore } from '../state/store.js';

export function connectStation(store: ConsoleStore, url: string): { send(m: ClientMessage): void; close(): void } {
  let ws: WebSocket | undefined;
  let closed = false;
  let backoffMs = 250;
  const open = () => {
    ws = new WebSocket(url);
    ws.onopen = () => {
      backoffMs = 250;
      store.setState({ link: 'connected' });
    };
    ws.onmessage = (ev) => {
      const m = JSON.parse(String(ev.data)) as ServerMessage;
      if (m.type === 'snapshot') applySnapshot(store, m);
      else if (m.type === 'hello') store.setState({ station: m.station, geography: m.geography, simulated: m.simulated });
      else if (m.type === 'event') pushEvent(store, m.event);
    };
    ws.onclose = () => {
      store.setState({ link: 'disconnected' });
      if (!closed) setTimeout(open, (backoffMs = Math.min(backoffMs * 2, 5000)));
    };
  };
  open();
  return {
    send: (m) => ws?.readyState === WebSocket.OPEN && ws.send(JSON.stringify(m)),
    close: () => {
      closed = true;
      ws?.close();
    },
  };
}
