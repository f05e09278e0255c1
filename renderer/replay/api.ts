/**
 * The station's replay endpoints (common/api/contract.ts): GET /api/flights and GET /api/flights/<id>. A long
 * flight's detail is read as a stream so the console can say how much has come; every failure is a
 * ReplayLoadError that says what went wrong (not found, the station's error, no answer) and for which flight.
 */
import type { FlightDetail, FlightSummary } from '../../common/api/contract.js';

export type LoadErrorKind = 'not-found' | 'http' | 'network' | 'bad-data';

export class ReplayLoadError extends Error {
  constructor(
    readonly kind: LoadErrorKind,
    /** The station's own words (its JSON `error`, or the HTTP status), or the browser's. */
    readonly reason: string,
    readonly status: number | null = null,
  ) {
    super(reason);
  }
}

export interface LoadProgress {
  bytes: number;
  /** From Content-Length, when the station sends it. */
  total: number | null;
}

async function get(path: string, signal: AbortSignal, onProgress?: (p: LoadProgress) => void): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(path, { signal, headers: { accept: 'application/json' }, cache: 'no-store' });
  } catch (e) {
    if (signal.aborted) throw e;
    throw new ReplayLoadError('network', e instanceof Error ? e.message : String(e));
  }
  const total = Number(res.headers.get('content-length')) || null;
  let text = '';
  try {
    if (res.body && onProgress) {
      const reader = res.body.getReader();
      const dec = new TextDecoder();
      let bytes = 0;
      onProgress({ bytes, total });
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        bytes += value.byteLength;
        text += dec.decode(value, { stream: true });
        onProgress({ bytes, total });
      }
      text += dec.decode();
    } else text = await res.text();
  } catch (e) {
    if (signal.aborted) throw e;
    throw new ReplayLoadError('network', e instanceof Error ? e.message : String(e), res.status);
  }
  if (!res.ok) {
    let reason = `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`;
    try {
      const j = JSON.parse(text) as { error?: unknown };
      if (typeof j.error === 'string' && j.error) reason = j.error;
    } catch {
      if (text.trim() && text.length < 300) reason = `${reason}: ${text.trim()}`;
    }
    throw new ReplayLoadError(res.status === 404 ? 'not-found' : 'http', reason, res.status);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new ReplayLoadError('bad-data', e instanceof Error ? e.message : String(e), res.status);
  }
}

export async function fetchFlights(signal: AbortSignal): Promise<FlightSummary[]> {
  const j = await get('/api/flights', signal);
  if (!Array.isArray(j)) throw new ReplayLoadError('bad-data', 'the flight list is not a list');
  return j as FlightSummary[];
}

export async function fetchFlight(id: string, signal: AbortSignal, onProgress: (p: LoadProgress) => void): Promise<FlightDetail> {
  const j = (await get(`/api/flights/${encodeURIComponent(id)}`, signal, onProgress)) as Partial<FlightDetail> | null;
  if (!j || typeof j !== 'object' || !j.flight || !Array.isArray(j.samples) || !Array.isArray(j.events)) {
    throw new ReplayLoadError('bad-data', 'the flight is missing its summary, samples or events');
  }
  return { flight: j.flight, samples: j.samples, events: j.events, home: j.home ?? null };
}
