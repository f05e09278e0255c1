/**
 * The station's outbox to the centre and its memory of the centre's requests, in SQLite (better-sqlite3, WAL)
 * at DATA/centre/outbox.sqlite.
 *
 * Store and forward: everything the station must report (events, alerts, sortie records, reports, answers) is
 * written here first with the next `seq` (gap-free, per outbox) and deleted only when the broker has
 * acknowledged it (QoS 1 PUBACK); while the broker is away, fleet snapshots are kept too, thinned. The outbox is
 * bounded: beyond `maxTelemetryRows` (or `maxBytes` in all) the oldest telemetry goes first; events and alerts are
 * never dropped (past `maxBytes` with no telemetry left, `full()` says so and the link raises an alert). Alert
 * pictures sit between: QoS 1, but dropped oldest first past `maxPictureRows`, and past `maxBytes` once no
 * telemetry is left to drop.
 *
 * Requests: each id the centre sent is remembered with its response topic and the last answer state, so a
 * duplicate (QoS 1 redelivery, a centre retrying) is answered again but not carried out again, across restarts.
 */
import { openSqlite } from '../storage/sqlite.js';
import { randomUUID } from 'node:crypto';
import { ok, type Result } from '../../common/result.js';

export type RowClass = 'must' | 'telemetry' | 'picture';
export interface OutRow { id: number; topic: string; qos: 0 | 1; cls: RowClass; payload: string; corr: string | null }

export interface RequestRow { id: string; kind: string; responseTopic: string; correlation: string | null; state: string; open: boolean; atMs: number }

export interface Outbox {
  readonly file: string;
  /** This outbox's identity (a new one if the data folder is new): the centre restarts its seq count with it. */
  readonly epoch: string;
  /** Append a must-deliver message; `make` receives the seq it carries. */
  must(topic: string, make: (seq: number) => string, correlation?: string | null): number;
  /** Append a telemetry message (dropped first when the outbox is full). */
  telemetry(topic: string, payload: string): void;
  /** Append an alert's picture: QoS 1 like an alert, but dropped (oldest first) past `maxPictureRows`, or after telemetry when the outbox is full. */
  picture(topic: string, payload: string): void;
  /** The oldest rows, in order, from after `afterId`. */
  next(afterId: number, limit: number): OutRow[];
  done(id: number): void;
  counts(): { must: number; telemetry: number; bytes: number; dropped: number; pictures: number; droppedPictures: number };
  request(id: string): RequestRow | undefined;
  remember(r: Omit<RequestRow, 'open'>): void;
  setState(id: string, state: string, open: boolean): void;
  open(): RequestRow[];
  close(): void;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, topic TEXT NOT NULL, qos INTEGER NOT NULL, cls TEXT NOT NULL, payload TEXT NOT NULL, corr TEXT);
CREATE TABLE IF NOT EXISTS requests (id TEXT PRIMARY KEY, kind TEXT NOT NULL, response_topic TEXT NOT NULL, correlation TEXT, state TEXT NOT NULL, open INTEGER NOT NULL, at_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

export interface OutboxLimits { maxTelemetryRows?: number; maxBytes?: number; maxPictureRows?: number }

export function openOutbox(dir: string, limits: OutboxLimits = {}): Result<Outbox> {
  const opened = openSqlite(dir, 'outbox.sqlite', { schema: SCHEMA, synchronous: 'NORMAL' });
  if (!opened.ok) return opened;
  const { db, file } = opened.value;
  const maxTel = limits.maxTelemetryRows ?? 3600;
  const maxBytes = limits.maxBytes ?? 64 * 1024 * 1024;
  const kvGet = db.prepare('SELECT value FROM kv WHERE key = ?');
  const kvSet = db.prepare('INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value');
  let epoch = (kvGet.get('epoch') as { value: string } | undefined)?.value;
  if (!epoch) kvSet.run('epoch', (epoch = randomUUID().slice(0, 8)));
  let seq = Number((kvGet.get('seq') as { value: string } | undefined)?.value ?? 0);
  let dropped = Number((kvGet.get('dropped') as { value: string } | undefined)?.value ?? 0);
  let droppedPictures = Number((kvGet.get('dropped-pictures') as { value: string } | undefined)?.value ?? 0);
  const maxPictures = limits.maxPictureRows ?? 200;
  const ins = db.prepare('INSERT INTO outbox (topic, qos, cls, payload, corr) VALUES (?, ?, ?, ?, ?)');
  const del = db.prepare('DELETE FROM outbox WHERE id = ?');
  const sel = db.prepare('SELECT id, topic, qos, cls, payload, corr FROM outbox WHERE id > ? ORDER BY id LIMIT ?');
  const cnt = db.prepare("SELECT SUM(cls = 'must') AS must, SUM(cls = 'telemetry') AS telemetry, SUM(cls = 'picture') AS pictures, COALESCE(SUM(LENGTH(payload)), 0) AS bytes FROM outbox");
  const dropOldestPic = db.prepare("DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE cls = 'picture' ORDER BY id LIMIT ?)");
  const dropOldestTel = db.prepare("DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE cls = 'telemetry' ORDER BY id LIMIT ?)");
  const counts = () => {
    const c = cnt.get() as { must: number | null; telemetry: number | null; pictures: number | null; bytes: number };
    return { must: c.must ?? 0, telemetry: c.telemetry ?? 0, bytes: c.bytes, dropped, pictures: c.pictures ?? 0, droppedPictures };
  };
  const mustTx = db.transaction((topic: string, make: (seq: number) => string, corr: string | null) => {
    seq += 1;
    ins.run(topic, 1, 'must', make(seq), corr);
    kvSet.run('seq', String(seq));
    // Past maxBytes, pictures make room for what must be delivered (telemetry first: see telTx).
    dropPicturesOver(0);
    return seq;
  });
  /** Drop the oldest pictures beyond `maxPictures` (+`extra` rows to leave room) or while the bytes are over. */
  const dropPicturesOver = (extra: number) => {
    let c = counts();
    let over = Math.max(0, c.pictures + extra - maxPictures);
    if (over > 0) {
      droppedPictures += dropOldestPic.run(over).changes;
      c = counts();
    }
    // Over the bytes: fleet snapshots go first, then the oldest pictures; never an alert.
    while (c.bytes > maxBytes && (c.telemetry > 0 || c.pictures > 0)) {
      if (c.telemetry > 0) {
        dropped += dropOldestTel.run(1).changes;
        kvSet.run('dropped', String(dropped));
      } else {
        droppedPictures += dropOldestPic.run(1).changes;
        over++;
      }
      c = counts();
    }
    if (over > 0) kvSet.run('dropped-pictures', String(droppedPictures));
  };
  const picTx = db.transaction((topic: string, payload: string) => {
    dropPicturesOver(1);
    ins.run(topic, 1, 'picture', payload, null);
    dropPicturesOver(0);
  });
  const telTx = db.transaction((topic: string, payload: string) => {
    ins.run(topic, 0, 'telemetry', payload, null);
    const c = counts();
    let over = Math.max(0, c.telemetry - maxTel);
    if (c.bytes > maxBytes) over = Math.max(over, Math.ceil((c.bytes - maxBytes) / Math.max(1, payload.length)));
    if (over > 0) {
      dropped += dropOldestTel.run(over).changes;
      kvSet.run('dropped', String(dropped));
    }
  });
  const reqGet = db.prepare('SELECT id, kind, response_topic AS responseTopic, correlation, state, open, at_ms AS atMs FROM requests WHERE id = ?');
  const reqIns = db.prepare('INSERT OR IGNORE INTO requests (id, kind, response_topic, correlation, state, open, at_ms) VALUES (?, ?, ?, ?, ?, 1, ?)');
  const reqSet = db.prepare('UPDATE requests SET state = ?, open = ? WHERE id = ?');
  const reqOpen = db.prepare('SELECT id, kind, response_topic AS responseTopic, correlation, state, open, at_ms AS atMs FROM requests WHERE open = 1 ORDER BY at_ms');
  const reqPrune = db.prepare('DELETE FROM requests WHERE open = 0 AND at_ms < ?');
  const asReq = (r: (Omit<RequestRow, 'open'> & { open: number }) | undefined): RequestRow | undefined => (r ? { ...r, open: r.open === 1 } : undefined);
  return ok({
    file,
    epoch,
    must: (topic, make, corr) => mustTx(topic, make, corr ?? null),
    telemetry: (topic, payload) => telTx(topic, payload),
    picture: (topic, payload) => picTx(topic, payload),
    next: (afterId, limit) => (db.open ? (sel.all(afterId, limit) as OutRow[]) : []),
    done: (id) => void (db.open && del.run(id)),
    counts,
    request: (id) => asReq(reqGet.get(id) as (Omit<RequestRow, 'open'> & { open: number }) | undefined),
    remember: (r) => {
      reqIns.run(r.id, r.kind, r.responseTopic, r.correlation, r.state, r.atMs);
      // Ids are remembered for a week: a redelivery comes within seconds; a centre retrying within hours.
      reqPrune.run(r.atMs - 7 * 86_400_000);
    },
    setState: (id, state, open) => void (db.open && reqSet.run(state, open ? 1 : 0, id)),
    open: () => (reqOpen.all() as (Omit<RequestRow, 'open'> & { open: number })[]).map((r) => asReq(r)!),
    close: () => db.open && db.close(),
  });
}
