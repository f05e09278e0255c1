/**
 * The sub-bureau centre (`kongxun centre`): one MQTT 5 client subscribed to every station's `out/` tree. It
 * keeps each station's status (online/offline since when, drones up, today's sorties), its fleet as last
 * seen, one alert list across stations with acknowledgement, and the requests it sent with their answers.
 *
 * Everything received is schema-checked (schema.ts); a station is known by the topic it wrote under (the
 * broker's ACL lets a station write only there). Events, alerts, sortie records, reports and answers carry the
 * station's outbox `seq`: one already seen (a redelivery, the outbox resending after a crash) is dropped, a
 * jump is counted as a gap. A new outbox (status `outbox`) starts the count again.
 */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Clock } from '../../common/clock.js';
import { err, ok, type Result } from '../../common/result.js';
import { groundDistanceM } from '../../common/geo.js';
import { ALERT, ANSWER, EVENT, FLEET, MAX_PAYLOAD_BYTES, REPORT, SORTIE, STATUS, checkFleet, parsePayload, type AlertMsg, type AnswerMsg, type EventMsg, type FleetMsg, type FleetRow, type ReportMsg, type Schema, type SortieMsg, type StatusMsg } from './schema.js';
import { ID_RE, ROOT, answerTopic, inTopic, parseTopic } from './topics.js';
import { PictureShelf, type Picture } from './pictures.js';
import { SNAPSHOT, type SnapshotMsg } from './schema.js';

export interface CentreOptions {
  clock: Clock;
  url: string;
  /** This centre's id: its broker user name and the last level of its answer topics. */
  id: string;
  username?: string;
  password?: string;
  ca?: string;
  keepaliveS?: number;
  reconnectMs?: number;
  log?: (line: string) => void;
  /** Alerts kept (oldest acknowledged ones go first). */
  maxAlerts?: number;
  /** 5 (default) or 4 = MQTT 3.1.1 (the embedded trial broker): requests then name this centre in the payload. */
  mqttVersion?: 4 | 5;
}

export interface StationView {
  id: string;
  name: string;
  online: boolean;
  /** When the centre saw it go online/offline (the centre's clock). */
  sinceMs: number;
  drones: number;
  dronesUp: number;
  sortiesToday: number;
  sortiesFlown: number;
  coveragePct: number | null;
  fleet: FleetRow[];
  fleetAtMs: number | null;
  lastSeq: number;
  gaps: number;
  duplicates: number;
  events: EventMsg[];
  sorties: Record<string, SortieMsg>;
  reports: ReportMsg[];
}
export interface AlertView extends AlertMsg {
  key: string; station: string; ack: { by: string; atMs: number } | null;
  /** The alert's picture once it arrived (GET /api/picture/<station>/<file>); null before, or without one. */
  picture?: { file: string; takenAtMs: number } | null;
}
export interface RequestView { id: string; station: string; kind: 'dispatch' | 'instruct' | 'report' | 'video'; sentAtMs: number; by: string; body: Record<string, unknown>; answers: AnswerMsg[] }
export interface CentreView { id: string; connected: boolean; stations: StationView[]; alerts: AlertView[]; requests: RequestView[] }

const SCHEMAS: Record<string, Schema> = { status: STATUS, fleet: FLEET, event: EVENT, alert: ALERT, snapshot: SNAPSHOT, sortie: SORTIE, report: REPORT, answer: ANSWER };

export class Centre {
  private readonly client: MqttClient;
  private readonly stations = new Map<string, StationView & { outbox: string | null }>();
  private readonly alerts: AlertView[] = [];
  private readonly requests = new Map<string, RequestView>();
  private readonly listeners = new Set<(what: string, station?: string) => void>();
  /** Alert pictures (issue 18), the latest per station and file. */
  private readonly pictures = new PictureShelf();
  private n = 0;
  rejected = 0;

  private constructor(private readonly o: CentreOptions) {
    const v4 = o.mqttVersion === 4;
    const opts: IClientOptions = {
      protocolVersion: v4 ? 4 : 5,
      // A persistent session: alerts and answers sent while the centre was away are kept by the broker for it.
      clientId: `kongxun-centre-${o.id}`,
      clean: false,
      keepalive: o.keepaliveS ?? 30,
      reconnectPeriod: o.reconnectMs ?? 2000,
      ...(v4 ? {} : { properties: { maximumPacketSize: MAX_PAYLOAD_BYTES + 4096, sessionExpiryInterval: 86_400 } }),
      ...(o.username !== undefined ? { username: o.username } : {}),
      ...(o.password !== undefined ? { password: o.password } : {}),
      ...(o.ca !== undefined ? { ca: o.ca } : {}),
      rejectUnauthorized: true,
    };
    this.client = mqtt.connect(o.url, opts);
    this.client.on('connect', () => {
      o.log?.(`kongxun centre: connected to ${o.url}`);
      this.client.subscribe(`${ROOT}/+/out/#`, { qos: 1 });
      this.emit('connection');
    });
    this.client.on('close', () => this.emit('connection'));
    this.client.on('error', (e) => o.log?.(`kongxun centre: ${e.message}`));
    this.client.on('message', (topic, payload) => this.onMessage(topic, payload));
  }

  static start(o: CentreOptions): Result<Centre> {
    if (!ID_RE.test(o.id)) return err('usage', `centre id "${o.id}" must be 1–64 of A–Z a–z 0–9 _ -`);
    try {
      const u = new URL(o.url);
      if (u.protocol !== 'mqtt:' && u.protocol !== 'mqtts:') return err('usage', `${o.url}: only mqtt:// and mqtts:// are spoken`);
    } catch {
      return err('usage', `"${o.url}" is not a URL (mqtt://host:1883 or mqtts://host:8883)`);
    }
    return ok(new Centre(o));
  }

  get connected(): boolean {
    return this.client.connected;
  }

  /** `what` changed (stations, fleet, events, alerts, sorties, reports, requests, connection); `station` when it is one station's. */
  onChange(cb: (what: string, station?: string) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }
  private emit(what: string, station?: string): void {
    for (const l of this.listeners) l(what, station);
  }

  view(): CentreView {
    return {
      id: this.o.id,
      connected: this.client.connected,
      stations: [...this.stations.keys()].sort().map((id) => this.stationView(id)!),
      alerts: this.alerts.slice().reverse().map((a) => {
        const p = a.snapshot ? this.pictures.get(a.station, a.snapshot) : undefined;
        return { ...a, picture: p ? { file: p.file, takenAtMs: p.takenAtMs } : null };
      }),
      requests: [...this.requests.values()].reverse().slice(0, 100),
    };
  }
  station(id: string): StationView | undefined {
    return this.stations.get(id);
  }
  /** One station as the console shows it (its last 50 events), or undefined when unknown. */
  stationView(id: string): StationView | undefined {
    const s = this.stations.get(id);
    if (!s) return undefined;
    const { outbox: _o, ...v } = s;
    return { ...v, events: v.events.slice(-50) };
  }
  request(id: string): RequestView | undefined {
    return this.requests.get(id);
  }
  /** An alert's picture (the JPEG), if it arrived and is still kept. */
  picture(station: string, file: string): Picture | undefined {
    return this.pictures.get(station, file);
  }

  private st(id: string): StationView & { outbox: string | null } {
    let s = this.stations.get(id);
    if (!s) this.stations.set(id, (s = { id, name: id, online: false, sinceMs: this.o.clock.now(), drones: 0, dronesUp: 0, sortiesToday: 0, sortiesFlown: 0, coveragePct: null, fleet: [], fleetAtMs: null, lastSeq: 0, gaps: 0, duplicates: 0, events: [], sorties: {}, reports: [], outbox: null }));
    return s;
  }

  private onMessage(topic: string, payload: Buffer): void {
    const t = parseTopic(topic);
    if (!t || t.dir !== 'out') return void this.rejected++;
    if (t.kind === 'answer' && t.centre !== this.o.id) return; // another centre's answers
    const schema = SCHEMAS[t.kind];
    if (!schema) return void this.rejected++;
    // A retained status may be cleared with an empty payload (a station removed).
    if (t.kind === 'status' && payload.length === 0) {
      this.stations.delete(t.station);
      return this.emit('stations', t.station);
    }
    const m = parsePayload<Record<string, unknown>>(schema, payload);
    if (!m.ok) {
      this.rejected++;
      this.o.log?.(`kongxun centre: ${topic}: ${m.reason}`);
      return;
    }
    const s = this.st(t.station);
    if (t.kind === 'status') {
      const st = m.value as unknown as StatusMsg;
      if (st.station !== t.station) return void this.rejected++;
      if (st.outbox !== s.outbox) {
        s.outbox = st.outbox;
        s.lastSeq = 0;
      }
      if (st.online !== s.online) s.sinceMs = this.o.clock.now();
      Object.assign(s, { name: st.name, online: st.online, drones: st.drones, dronesUp: st.dronesUp, sortiesToday: st.sortiesToday, sortiesFlown: st.sortiesFlown, coveragePct: st.coveragePct ?? null });
      if (!st.online) s.fleet = s.fleet.map((r) => [r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], 'lost'] as FleetRow);
      return this.emit('stations', t.station);
    }
    if (t.kind === 'fleet') {
      const f = m.value as unknown as FleetMsg;
      const rows = checkFleet(f);
      if (!rows.ok) return void this.rejected++;
      // A snapshot kept while the broker was away arrives late: it is history, not the live picture.
      if (s.fleetAtMs !== null && f.atMs < s.fleetAtMs) return;
      s.fleet = f.drones;
      s.fleetAtMs = f.atMs;
      return this.emit('fleet', t.station);
    }
    if (t.kind === 'snapshot') {
      // A picture carries no seq (it may be dropped on the way); it is shown with the alert that names it.
      const p = this.pictures.put(t.station, m.value as unknown as SnapshotMsg);
      if (!p.ok) {
        this.rejected++;
        this.o.log?.(`kongxun centre: ${topic}: ${p.reason}`);
        return;
      }
      return this.emit('alerts');
    }
    const seq = (m.value as { seq: number }).seq;
    if (seq <= s.lastSeq) {
      s.duplicates++;
      return;
    }
    if (s.lastSeq > 0 && seq > s.lastSeq + 1) s.gaps++;
    s.lastSeq = seq;
    switch (t.kind) {
      case 'event':
        s.events.push(m.value as unknown as EventMsg);
        if (s.events.length > 500) s.events.splice(0, s.events.length - 500);
        return this.emit('events', t.station);
      case 'alert': {
        const a = m.value as unknown as AlertMsg;
        this.alerts.push({ ...a, key: `${t.station}:${s.outbox ?? ''}:${a.seq}`, station: t.station, ack: null });
        const max = this.o.maxAlerts ?? 1000;
        while (this.alerts.length > max) {
          const i = this.alerts.findIndex((x) => x.ack);
          this.alerts.splice(i >= 0 ? i : 0, 1);
        }
        return this.emit('alerts');
      }
      case 'sortie': {
        const so = m.value as unknown as SortieMsg;
        s.sorties[so.id] = so;
        return this.emit('sorties', t.station);
      }
      case 'report':
        s.reports.push(m.value as unknown as ReportMsg);
        if (s.reports.length > 10) s.reports.shift();
        return this.emit('reports', t.station);
      case 'answer': {
        const a = m.value as unknown as AnswerMsg;
        const r = this.requests.get(a.request);
        if (r && r.station === t.station && r.answers.length < 50) {
          r.answers.push(a);
          this.emit('requests');
        }
        return;
      }
    }
  }

  /** Acknowledge an alert at the centre (who acknowledged, when). */
  ack(key: string, by: string): Result<void> {
    const a = this.alerts.find((x) => x.key === key);
    if (!a) return err('not-found', `no alert ${key}`);
    if (!a.ack) a.ack = { by: by.slice(0, 100), atMs: this.o.clock.now() };
    this.emit('alerts');
    return ok(undefined);
  }

  private send(station: string, kind: 'dispatch' | 'instruct' | 'report' | 'video', by: string, body: Record<string, unknown>): Result<string> {
    if (!ID_RE.test(station)) return err('usage', `no station "${station}"`);
    if (!this.client.connected) return err('offline', 'the centre is not connected to the broker');
    const id = `${this.o.id}-${Math.round(this.o.clock.now()).toString(36)}-${++this.n}`;
    const msg = { v: 1, atMs: Math.round(this.o.clock.now()), id, from: by.slice(0, 100), ...body, ...this.centreField() };
    this.requests.set(id, { id, station, kind, sentAtMs: msg.atMs, by, body, answers: [] });
    // The oldest requests are forgotten past 1000 (their answers are then ignored).
    if (this.requests.size > 1000) this.requests.delete(this.requests.keys().next().value!);
    this.client.publish(inTopic(station, kind), JSON.stringify(msg), this.requestOpts(station, id));
    this.emit('requests');
    return ok(id);
  }

  /** MQTT 5: the response topic names where the answers go; 3.1.1 has none, so the payload names this centre. */
  private centreField(): { centre?: string } {
    return this.o.mqttVersion === 4 ? { centre: this.o.id } : {};
  }
  private requestOpts(station: string, id: string): { qos: 1; properties?: { responseTopic: string; correlationData: Buffer } } {
    return this.o.mqttVersion === 4 ? { qos: 1 } : { qos: 1, properties: { responseTopic: answerTopic(station, this.o.id), correlationData: Buffer.from(id) } };
  }

  /** "Go and look here" to a station. */
  dispatch(station: string, r: { latDeg: number; lonDeg: number; radiusM: number; priority: number; holdS: number; text?: string }, by: string): Result<string> {
    return this.send(station, 'dispatch', by, { latDeg: r.latDeg, lonDeg: r.lonDeg, radiusM: r.radiusM, priority: r.priority, holdS: r.holdS, text: (r.text ?? '').slice(0, 500) });
  }
  instruct(station: string, text: string, by: string): Result<string> {
    return this.send(station, 'instruct', by, { text: text.slice(0, 1000) });
  }
  requestReport(station: string, date: string | null, by: string): Result<string> {
    return this.send(station, 'report', by, { date });
  }
  /** Ask a station for a drone's live video: its answer (`delivered`) carries its Janus, the mountpoint and a token. */
  requestVideo(station: string, drone: string, by: string): Result<string> {
    if (!ID_RE.test(drone)) return err('usage', `no drone "${drone}"`);
    return this.send(station, 'video', by, { drone });
  }
  /** Re-send a request with the same id (as a QoS 1 redelivery would): the station carries it out once. */
  resend(id: string): Result<void> {
    const r = this.requests.get(id);
    if (!r) return err('not-found', `no request ${id}`);
    this.client.publish(inTopic(r.station, r.kind), JSON.stringify({ v: 1, atMs: r.sentAtMs, id, from: r.by, ...r.body, ...this.centreField() }), this.requestOpts(r.station, id));
    return ok(undefined);
  }

  /** The online station with a drone nearest the point (a drone in the air or a dock: its last position). */
  nearestStation(latDeg: number, lonDeg: number): { station: string; drone: string; distM: number } | null {
    let best: { station: string; drone: string; distM: number } | null = null;
    for (const s of this.stations.values()) {
      if (!s.online) continue;
      for (const r of s.fleet) {
        if (r[1] === null || r[2] === null || r[8] !== 'up') continue;
        const d = groundDistanceM({ latDeg, lonDeg }, { latDeg: r[1], lonDeg: r[2] });
        if (!best || d < best.distM) best = { station: s.id, drone: r[0], distM: Math.round(d) };
      }
    }
    return best;
  }

  async close(): Promise<void> {
    await this.client.endAsync(true).catch(() => undefined);
  }
}
