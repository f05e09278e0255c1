/**
 * The station's link to the sub-bureau centre over an MQTT 5 broker (`kongxun serve --centre mqtts://…`).
 *
 * Out (topics.ts): the retained status with a last will that says offline, the fleet snapshot at `fleetHz`,
 * and — through the on-disk outbox (outbox.ts), in order, each with its `seq` — events, alerts, sortie records,
 * reports and the answers to the centre's requests. A row leaves the outbox when the broker acknowledged it;
 * while the broker is away the rows wait (fleet snapshots too, thinned), and go in order once it is back.
 *
 * In: dispatch requests, instructions and report requests on the station's own `in/` topics. Every payload is
 * bounded, parsed and schema-checked (schema.ts) before use; a request without a response topic under this
 * station's tree is not carried out (it could not be answered). A request id seen before is answered with its
 * last state and not carried out again — also after a restart (the ids live in the outbox database).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import type { Clock, TimerId } from '../../common/clock.js';
import { err, ok, type Result } from '../../common/result.js';
import type { Principal } from '../gateway/principal.js';
import type { CentreHost, DispatchProgress } from './host.js';
import { openOutbox, type Outbox, type OutboxLimits, type OutRow } from './outbox.js';
import { PicturesOut } from './pictures.js';
import { DISPATCH, INSTRUCT, MAX_PAYLOAD_BYTES, REPORT_REQ, VIDEO_REQ, parsePayload, type VideoReq, type AnswerMsg, type AnswerState, type DispatchReq, type InstructReq, type ReportReq, type Schema, type StatusMsg } from './schema.js';
import { ID_RE, answerTopic, inTopic, outTopic, parseTopic } from './topics.js';
import { realDeadline } from '../real-time.js';

export interface CentreLinkOptions {
  clock: Clock;
  /** mqtt://host:1883 or mqtts://host:8883. */
  url: string;
  /** This station's id in the topic tree: its broker user name ([A-Za-z0-9_-]{1,64}). */
  station: string;
  username?: string;
  password?: string;
  /** PEM of the CA that signed the broker's certificate (mqtts); the system's CAs otherwise. */
  ca?: string;
  /** The outbox folder: DATA/centre. */
  dir: string;
  host: CentreHost;
  fleetHz?: number;
  /** How often the host is asked for new events, alerts and sortie records, ms. Default 200. */
  drainMs?: number;
  /** MQTT keep-alive in seconds (the broker declares the station offline after 1.5×). Default 30. */
  keepaliveS?: number;
  reconnectMs?: number;
  /** While the broker is away, keep one fleet snapshot per this many ms. Default 10 s. */
  offlineFleetEveryMs?: number;
  limits?: OutboxLimits;
  /** QoS 1 messages in flight at once. */
  window?: number;
  /**
   * 5 (default) or 4 = MQTT 3.1.1, for a broker without MQTT 5 (the embedded trial broker, aedes): requests
   * then name their centre in the payload instead of a response topic, and answers carry no correlation data.
   */
  mqttVersion?: 4 | 5;
  log?: (line: string) => void;
}

export interface CentreLinkStats { connected: boolean; published: number; received: number; rejected: number; duplicates: number; outbox: ReturnType<Outbox['counts']> }

const PROGRESS: DispatchProgress['state'][] = ['queued', 'accepted', 'arrived', 'looked', 'returned'];
/** A dispatch's last answers: nothing follows them. */
const FINAL = new Set(['returned', 'refused', 'failed']);

/** The password for `--centre-password-file`: the file's first line. */
export function readPasswordFile(file: string): Result<string> {
  try {
    const text = readFileSync(file, 'utf8').split(/\r?\n/)[0] ?? '';
    if (!text || text.length > 1024) return err('password', `${file}: the first line must hold the password (1–1024 characters)`);
    return ok(text);
  } catch (e) {
    return err('password', `${file}: ${(e as Error).message}`);
  }
}

export class CentreLink {
  private readonly client: MqttClient;
  private readonly timers: TimerId[] = [];
  private inflight = 0;
  private cursor = 0;
  private resetCursor = false;
  private lastOfflineFleetMs = -Infinity;
  private lastStatus = '';
  private lastStatusMs = -Infinity;
  private closed = false;
  private readonly s = { published: 0, received: 0, rejected: 0, duplicates: 0 };
  private readonly who: (centre: string) => Principal;
  /** Alert pictures waiting for their file (pictures.ts), then into the outbox after their alert. */
  private readonly pictures: PicturesOut;
  private readonly v4: boolean;

  private constructor(private readonly o: CentreLinkOptions, private readonly outbox: Outbox) {
    const status = (online: boolean) => this.statusMsg(online);
    this.v4 = o.mqttVersion === 4;
    this.pictures = new PicturesOut({
      now: () => o.clock.now(),
      read: (file) => (o.host.picture ? o.host.picture(file) : Promise.resolve(err('unsupported', 'this station keeps no pictures'))),
      put: (m) => {
        if (!this.closed) this.outbox.picture(outTopic(o.station, 'snapshot'), JSON.stringify({ v: 1, atMs: Math.round(o.clock.now()), ...m }));
      },
      ...(o.log ? { log: o.log } : {}),
    });
    const opts: IClientOptions = {
      protocolVersion: this.v4 ? 4 : 5,
      clientId: `kongxun-station-${o.station}`,
      clean: false,
      keepalive: o.keepaliveS ?? 30,
      reconnectPeriod: o.reconnectMs ?? 2000,
      connectTimeout: 10_000,
      queueQoSZero: false,
      ...(this.v4 ? {} : { properties: { sessionExpiryInterval: 86_400, maximumPacketSize: MAX_PAYLOAD_BYTES + 4096 } }),
      will: { topic: outTopic(o.station, 'status'), payload: Buffer.from(JSON.stringify(status(false))), qos: 1, retain: true },
      ...(o.username !== undefined ? { username: o.username } : {}),
      ...(o.password !== undefined ? { password: o.password } : {}),
      ...(o.ca !== undefined ? { ca: o.ca } : {}),
      rejectUnauthorized: true,
    };
    const broker = new URL(o.url).host;
    this.who = (centre) => ({ kind: 'centre', centre, from: broker });
    this.client = mqtt.connect(o.url, opts);
    this.client.on('connect', () => {
      o.log?.(`kongxun: centre: connected to ${o.url}`);
      this.publishStatus(true);
      this.client.subscribe(`${inTopic(o.station, 'dispatch').replace(/dispatch$/, '+')}`, { qos: 1 }, (e) => e && o.log?.(`kongxun: centre: subscribe refused: ${e.message}`));
      this.pump();
    });
    this.client.on('close', () => o.log?.('kongxun: centre: connection closed'));
    this.client.on('error', (e) => o.log?.(`kongxun: centre: ${e.message}`));
    this.client.on('message', (topic, payload, packet) => this.onMessage(topic, payload, packet));
    const hz = Math.min(10, Math.max(0.1, o.fleetHz ?? 1));
    this.timers.push(o.clock.setInterval(() => this.tick(), 1000 / hz));
    this.timers.push(o.clock.setInterval(() => this.drain(), Math.max(20, o.drainMs ?? 200)));
  }

  static start(o: CentreLinkOptions): Result<CentreLink> {
    if (!ID_RE.test(o.station)) return err('usage', `centre: station id "${o.station}" must be 1–64 of A–Z a–z 0–9 _ - (it is the broker user name and a topic level)`);
    let url: URL;
    try {
      url = new URL(o.url);
    } catch {
      return err('usage', `centre: "${o.url}" is not a URL (mqtt://host:1883 or mqtts://host:8883)`);
    }
    if (url.protocol !== 'mqtt:' && url.protocol !== 'mqtts:') return err('usage', `centre: ${o.url}: only mqtt:// and mqtts:// are spoken`);
    const box = openOutbox(o.dir, o.limits);
    if (!box.ok) return box;
    return ok(new CentreLink(o, box.value));
  }

  get connected(): boolean {
    return this.client.connected;
  }

  stats(): CentreLinkStats {
    return { connected: this.client.connected, ...this.s, outbox: this.outbox.counts() };
  }

  /** Close: an offline status (retained) when connected, then the connection; the outbox keeps what is unsent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) this.o.clock.clearInterval(t);
    if (this.client.connected) {
      await new Promise<void>((res) => {
        // Real time: the MQTT client's acknowledgement of our last word comes on its own (wall-clock) timers.
        const cancel = realDeadline(2000, res);
        this.client.publish(outTopic(this.o.station, 'status'), JSON.stringify(this.statusMsg(false)), { qos: 1, retain: true }, () => (cancel(), res()));
      });
    }
    await this.client.endAsync(true).catch(() => undefined);
    this.outbox.close();
  }

  /** Drop the connection as a crash would (no offline status: the broker sends the last will). For tests. */
  async kill(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) this.o.clock.clearInterval(t);
    (this.client as unknown as { stream?: { destroy(): void } }).stream?.destroy();
    await this.client.endAsync(true).catch(() => undefined);
    this.outbox.close();
  }

  private statusMsg(online: boolean): StatusMsg {
    const st = this.o.host.status();
    return { v: 1, atMs: Math.round(this.o.clock.now()), station: this.o.station, name: st.name.slice(0, 100), online, outbox: this.outbox.epoch, dronesUp: st.dronesUp, drones: st.drones, sortiesToday: st.sortiesToday, sortiesFlown: st.sortiesFlown, coveragePct: st.coveragePct === null ? null : Math.round(Math.min(100, Math.max(0, st.coveragePct)) * 10) / 10 };
  }

  private publishStatus(force: boolean): void {
    const m = this.statusMsg(true);
    const key = JSON.stringify({ ...m, atMs: 0 });
    const now = this.o.clock.now();
    if (!force && key === this.lastStatus && now - this.lastStatusMs < 60_000) return;
    this.lastStatus = key;
    this.lastStatusMs = now;
    this.client.publish(outTopic(this.o.station, 'status'), JSON.stringify(m), { qos: 1, retain: true });
  }

  /** What the station must report, into the outbox, and on its way. */
  private drain(): void {
    if (this.closed) return;
    const now = Math.round(this.o.clock.now());
    const st = this.o.station;
    const d = this.o.host.drain();
    for (const e of d.events) this.outbox.must(outTopic(st, 'event'), (seq) => JSON.stringify({ v: 1, atMs: Math.round(e.atMs), seq, kind: e.kind.slice(0, 32), text: e.text.slice(0, 1000), sortie: e.sortie, drone: e.drone }));
    for (const a of d.alerts) {
      const snap = a.snapshot && a.drone ? a.snapshot : undefined;
      this.outbox.must(outTopic(st, 'alert'), (seq) => JSON.stringify({ v: 1, atMs: Math.round(a.atMs), seq, level: a.level, text: a.text.slice(0, 1000), sortie: a.sortie, drone: a.drone, latDeg: a.latDeg, lonDeg: a.lonDeg, ...(snap ? { snapshot: snap.file } : {}) }));
      if (snap) this.pictures.expect(a.drone!, snap.file, snap.atMs);
    }
    this.pictures.poll();
    for (const s of d.sorties) this.outbox.must(outTopic(st, 'sortie'), (seq) => JSON.stringify({ v: 1, atMs: now, seq, id: s.id, kind: s.kind, drone: s.drone, state: s.state, launchedAtMs: s.launchedAtMs, landedAtMs: s.landedAtMs, reason: s.reason?.slice(0, 500) ?? null }));
    this.pollRequests();
    this.pump();
  }

  private tick(): void {
    if (this.closed) return;
    const now = Math.round(this.o.clock.now());
    const st = this.o.station;
    const fleet = JSON.stringify({ v: 1, atMs: now, drones: this.o.host.fleet() });
    if (this.client.connected) {
      this.client.publish(outTopic(st, 'fleet'), fleet, { qos: 0 });
      this.publishStatus(false);
    } else if (now - this.lastOfflineFleetMs >= (this.o.offlineFleetEveryMs ?? 10_000)) {
      this.lastOfflineFleetMs = now;
      this.outbox.telemetry(outTopic(st, 'fleet'), fleet);
    }
    this.pump();
  }

  /** Send outbox rows in order, up to `window` unacknowledged; a row is deleted once the broker has it. */
  private pump(): void {
    if (this.closed || !this.client.connected) return;
    if (this.resetCursor && this.inflight === 0) {
      this.cursor = 0;
      this.resetCursor = false;
    }
    if (this.resetCursor) return;
    const room = (this.o.window ?? 64) - this.inflight;
    if (room <= 0) return;
    for (const row of this.outbox.next(this.cursor, room)) this.send(row);
  }

  private send(row: OutRow): void {
    this.cursor = row.id;
    this.inflight++;
    const props = row.corr && !this.v4 ? { properties: { correlationData: Buffer.from(row.corr, 'hex') } } : {};
    this.client.publish(row.topic, row.payload, { qos: row.qos, ...props }, (e) => {
      this.inflight--;
      if (this.closed) return;
      if (e) this.resetCursor = true;
      else {
        this.outbox.done(row.id);
        this.s.published++;
      }
      this.pump();
    });
  }

  private answer(req: { id: string; responseTopic: string; correlation: string | null }, state: AnswerState, extra: Partial<Pick<AnswerMsg, 'drone' | 'etaS' | 'reason' | 'by' | 'video'>> = {}): void {
    this.outbox.must(
      req.responseTopic,
      (seq) => JSON.stringify({ v: 1, atMs: Math.round(this.o.clock.now()), seq, request: req.id, state, drone: extra.drone ?? null, etaS: extra.etaS ?? null, reason: extra.reason?.slice(0, 500) ?? null, by: extra.by?.slice(0, 100) ?? null, ...(extra.video ? { video: extra.video } : {}) } satisfies AnswerMsg),
      req.correlation,
    );
    this.pump();
  }

  private onMessage(topic: string, payload: Buffer, packet: IPublishPacket): void {
    if (this.closed) return;
    this.s.received++;
    const t = parseTopic(topic);
    let rt = packet.properties?.responseTopic;
    // MQTT 3.1.1 (the embedded trial broker) has no response topic: the request names its centre instead.
    if (this.v4 && rt === undefined && payload.length <= MAX_PAYLOAD_BYTES) {
      try {
        const c = (JSON.parse(payload.toString('utf8')) as { centre?: unknown } | null)?.centre;
        if (typeof c === 'string' && ID_RE.test(c)) rt = answerTopic(this.o.station, c);
      } catch {
        /* not JSON: refused below */
      }
    }
    const rtp = typeof rt === 'string' ? parseTopic(rt) : null;
    const reject = (why: string) => {
      this.s.rejected++;
      this.o.log?.(`kongxun: centre: ${topic}: ${why}`);
    };
    if (!t || t.station !== this.o.station || t.dir !== 'in') return reject('not a request topic of this station');
    if (!rtp || rtp.kind !== 'answer' || rtp.station !== this.o.station || !rtp.centre) return reject('no response topic under this station\'s out/answer/ (the request cannot be answered, so it is not carried out)');
    const schema: Schema | undefined = { dispatch: DISPATCH, instruct: INSTRUCT, report: REPORT_REQ, video: VIDEO_REQ }[t.kind];
    if (!schema) return reject(`unknown request kind ${t.kind}`);
    const corr = packet.properties?.correlationData;
    const correlation = corr && corr.length <= 64 ? Buffer.from(corr).toString('hex') : null;
    const parsed = parsePayload<DispatchReq | InstructReq | ReportReq | VideoReq>(schema, payload);
    if (!parsed.ok) {
      reject(parsed.reason);
      // Answer a malformed request when its id can be read, so the centre is not left waiting.
      const id = (() => {
        try {
          const x = JSON.parse(payload.toString('utf8')) as { id?: unknown };
          return typeof x.id === 'string' && /^[A-Za-z0-9_.:-]{1,64}$/.test(x.id) ? x.id : null;
        } catch {
          return null;
        }
      })();
      if (id && payload.length <= MAX_PAYLOAD_BYTES && !this.outbox.request(id)) this.answer({ id, responseTopic: rt as string, correlation }, 'refused', { reason: `invalid request: ${parsed.reason}` });
      return;
    }
    const req = parsed.value;
    const known = this.outbox.request(req.id);
    if (known) {
      this.s.duplicates++;
      this.answer({ id: req.id, responseTopic: known.responseTopic, correlation: known.correlation }, known.state as AnswerState, { reason: 'repeated request: already received' });
      return;
    }
    const ref = { id: req.id, responseTopic: rt as string, correlation };
    this.outbox.remember({ ...ref, kind: t.kind, state: 'queued', atMs: Math.round(this.o.clock.now()) });
    const who = this.who(rtp.centre);
    const close = (state: AnswerState, extra: Parameters<CentreLink['answer']>[2] = {}) => {
      this.outbox.setState(req.id, state, false);
      this.answer(ref, state, extra);
    };
    if (t.kind === 'dispatch') {
      const d = req as DispatchReq;
      const r = this.o.host.request(who, { id: d.id, latDeg: d.latDeg, lonDeg: d.lonDeg, radiusM: d.radiusM, priority: d.priority, holdS: d.holdS, text: d.text ?? '' });
      if (!r.ok) return close('refused', { reason: r.reason });
      this.outbox.setState(req.id, 'queued', true);
      this.answer(ref, 'queued');
    } else if (t.kind === 'video') {
      // The station's Janus and a token of this request's own: the centre watches over WebRTC from Janus, not
      // through the station. Answered `delivered` with it, or `refused` (no Janus, no video from that drone).
      const drone = (req as VideoReq).drone;
      if (!this.o.host.video) return close('refused', { reason: 'this station serves no video to the centre (started without --janus)', drone });
      void this.o.host.video(who, drone).then((r) => {
        if (this.closed) return;
        if (!r.ok) return close('refused', { reason: r.reason, drone });
        this.o.log?.(`kongxun: centre: ${rtp.centre} watches ${drone} through Janus (token until ${new Date(r.value.expiresMs).toISOString()})`);
        close('delivered', { drone, video: r.value });
      });
    } else if (t.kind === 'instruct') {
      const r = this.o.host.instruct(who, req.id, (req as InstructReq).text, (req as InstructReq).from);
      if (!r.ok) return close('refused', { reason: r.reason });
      this.outbox.setState(req.id, 'delivered', true);
      this.answer(ref, 'delivered');
    } else {
      const r = this.o.host.report(who, (req as ReportReq).date ?? null);
      if (!r.ok) return close('refused', { reason: r.reason });
      const body = JSON.stringify(r.value.report);
      if (Buffer.byteLength(body) > MAX_PAYLOAD_BYTES - 1024) return close('refused', { reason: 'the report is larger than a payload may be' });
      this.outbox.must(outTopic(this.o.station, 'report'), (seq) => `{"v":1,"atMs":${Math.round(this.o.clock.now())},"seq":${seq},"date":${JSON.stringify(r.value.date)},"request":${JSON.stringify(req.id)},"report":${body}}`);
      close('delivered', { reason: `report of ${r.value.date} on ${outTopic(this.o.station, 'report')}` });
    }
  }

  /** Open requests: a dispatch's progress (each step in order, none skipped), an instruction's acknowledgement. */
  private pollRequests(): void {
    for (const r of this.outbox.open()) {
      if (r.kind === 'instruct') {
        const a = this.o.host.acknowledged(r.id);
        if (a) {
          this.outbox.setState(r.id, 'acknowledged', false);
          this.answer(r, 'acknowledged', { by: a.by });
        }
        continue;
      }
      if (r.kind !== 'dispatch') continue;
      const p = this.o.host.progress(r.id);
      if (!p) {
        this.outbox.setState(r.id, 'failed', false);
        this.answer(r, 'failed', { reason: 'the station no longer knows this request (restarted without its patrol?)' });
        continue;
      }
      if (p.state === r.state) continue;
      const from = PROGRESS.indexOf(r.state as DispatchProgress['state']);
      const to = PROGRESS.indexOf(p.state);
      const steps = to > from && from >= 0 ? PROGRESS.slice(from + 1, to + 1) : [p.state];
      for (const s of steps) this.answer(r, s, { drone: p.drone, etaS: s === 'accepted' ? p.etaS : null, reason: s === p.state ? p.reason : null });
      this.outbox.setState(r.id, p.state, !FINAL.has(p.state));
    }
  }
}

/** DATA/centre. */
export const centreDir = (dataDir: string): string => join(dataDir, 'centre');
