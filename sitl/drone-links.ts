/**
 * The links of one simulated drone (drone.ts is the autopilot): attaching connections, signing as ArduPilot
 * sets it up, sending through the fault rules (dropped, delayed, silent while the autopilot reboots), STATUSTEXT
 * to the links the GCS has spoken on, and what arrives: counted, filtered by the fault rules, shown to the
 * camera, then handed to the autopilot.
 */
import { common } from 'mavlink-mappings';
import type { Clock } from '../common/clock.js';
import type { MavConnection, Received } from '../mavlink/connection.js';
import { make, type MavLinkData } from '../mavlink/codec/messages.js';
import { BOOT_TEXT_ALL_LINKS_MS } from './boot.js';
import type { SimCamera } from './camera.js';
import type { FaultSet } from './faults.js';
import { MSG, SimLink } from './link.js';
import type { SigningStorage } from './signing-storage.js';
import { buildMessage, type TelemetrySource } from './telemetry.js';

/** What the links need of the autopilot (SimDrone is one). */
export interface LinksHost extends TelemetrySource {
  readonly clock: Clock;
  readonly sysid: number;
  readonly faults: Pick<FaultSet, 'outgoing' | 'incoming'>;
  readonly camera: Pick<SimCamera, 'receive'> | undefined;
  readonly rebooting: boolean;
  sinceBootMs(): number;
  /** A frame the autopilot should act on (incoming.ts). */
  dispatch(link: SimLink, rx: Received): void;
}

export class DroneLinks {
  readonly links: SimLink[] = [];
  /** The signing key SETUP_SIGNING gave (undefined: signing off); kept in `signingStorage` when there is one. */
  signingKey: Uint8Array | undefined;
  private stopped = false;
  private droppedIn = 0;
  private receivedIn = 0;

  constructor(
    private readonly host: LinksHost,
    private readonly signingStorage: SigningStorage | undefined,
  ) {
    // A key given before the last power-off (ArduPilot reads it from storage at boot).
    this.signingKey = signingStorage?.load();
  }

  /**
   * SETUP_SIGNING as ArduPilot handles it (GCS_Signing.cpp): refused while armed; otherwise the key is
   * stored and takes effect at once on every link. From then on unsigned frames are dropped without a word
   * (RADIO_STATUS excepted) and what the drone sends is signed; an all-zero key turns signing off. Over a
   * link that already signs, only a SETUP_SIGNING signed with the current key arrives here at all.
   */
  setupSigning(m: common.SetupSigning): void {
    if (this.host.armed) {
      this.text(common.MavSeverity.ERROR, "ERROR: Won't setup signing when armed");
      return;
    }
    const key = Uint8Array.from(m.secretKey.slice(0, 32));
    const off = key.length < 32 || key.every((b) => b === 0);
    this.signingKey = off ? undefined : key;
    this.signingStorage?.save(this.signingKey);
    const initial = Number(m.initialTimestamp);
    this.links.forEach((l, i) => l.connection.setSigning(off ? undefined : { key, linkId: i & 0xff, unsigned: 'reject' }, Number.isFinite(initial) ? initial : 0));
  }

  /** Serve a connection (already opened or not). Returns a function that detaches it. */
  attach(connection: MavConnection): () => void {
    const link = new SimLink(connection, this.host.clock, (l, msgid) => this.emitScheduled(l, msgid));
    // A key set by SETUP_SIGNING is kept (ArduPilot stores it) and applies to every link, new ones too.
    if (this.signingKey) connection.setSigning({ key: this.signingKey, linkId: this.links.length & 0xff, unsigned: 'reject' });
    this.links.push(link);
    const off = connection.onMessage((rx) => this.receive(link, rx));
    link.start();
    return () => {
      off();
      link.stop();
      const i = this.links.indexOf(link);
      if (i >= 0) this.links.splice(i, 1);
    };
  }

  /** Nothing is sent or received from now on. */
  stop(): void {
    this.stopped = true;
    for (const l of this.links) l.stop();
  }

  /** Send on one link through the fault rules. */
  sendOn(link: SimLink, msg: MavLinkData, peer?: string): void {
    if (this.stopped || this.host.rebooting) return;
    const msgid = (msg.constructor as unknown as { MSG_ID: number }).MSG_ID;
    const d = this.host.faults.outgoing(msgid);
    if (d.drop) return;
    if (d.delayMs > 0) {
      this.host.clock.setTimeout(() => {
        if (!this.stopped) link.connection.send(msg, peer);
      }, d.delayMs);
    } else {
      link.connection.send(msg, peer);
    }
  }

  /**
   * Send as another component of this system (the camera) through the link fault rules. Not silenced by an
   * autopilot reboot: the camera runs on the companion computer.
   */
  sendAsComponent(link: SimLink, msg: MavLinkData, compid: number, peer?: string): void {
    if (this.stopped) return;
    const msgid = (msg.constructor as unknown as { MSG_ID: number }).MSG_ID;
    const d = this.host.faults.outgoing(msgid);
    if (d.drop) return;
    if (d.delayMs > 0) {
      this.host.clock.setTimeout(() => {
        if (!this.stopped) link.connection.sendAs(msg, this.host.sysid, compid, peer);
      }, d.delayMs);
    } else {
      link.connection.sendAs(msg, this.host.sysid, compid, peer);
    }
  }

  /** Send on every link (HEARTBEAT after a mode change, PARAM_VALUE announcements). */
  broadcast(msg: MavLinkData, activeOnly = false): void {
    for (const l of this.links) if (!activeOnly || l.active) this.sendOn(l, msg);
  }

  /** STATUSTEXT, to links the GCS has spoken on (every link during the first seconds of boot). */
  text(severity: number, text: string): void {
    const all = this.host.sinceBootMs() < BOOT_TEXT_ALL_LINKS_MS;
    const msg = make(common.StatusText, { severity, text: text.slice(0, 50), id: 0, chunkSeq: 0 });
    for (const l of this.links) if (all || l.active) this.sendOn(l, msg);
  }

  sendTimesync(): void {
    const ns = BigInt(Math.round(this.host.clock.now() * 1e6));
    this.broadcast(make(common.TimeSync, { tc1: 0n, ts1: ns, targetSystem: 0, targetComponent: 0 }), true);
  }

  /** Incoming drop rate in c% (SYS_STATUS.drop_rate_comm). */
  dropRateComm(): number {
    return this.receivedIn === 0 ? 0 : Math.round((this.droppedIn / this.receivedIn) * 10000);
  }

  private emitScheduled(link: SimLink, msgid: number): void {
    const msg = buildMessage(msgid, this.host);
    if (msg) this.sendOn(link, msg);
  }

  private receive(link: SimLink, rx: Received): void {
    if (this.stopped) return;
    if (this.host.rebooting) {
      // The camera shares the link and keeps listening while the autopilot reboots.
      this.host.camera?.receive(link, rx);
      return;
    }
    this.receivedIn++;
    if (this.host.faults.incoming(rx.frame.msgid)) {
      this.droppedIn++;
      return;
    }
    this.host.camera?.receive(link, rx);
    if (!link.active) {
      link.active = true;
      // As captured: once, right after the GCS's first packet on the link.
      for (const id of [MSG.SYS_STATUS, MSG.GPS_GLOBAL_ORIGIN, MSG.HOME_POSITION]) {
        const m = buildMessage(id, this.host);
        if (m) this.sendOn(link, m, rx.peer);
      }
    }
    this.host.dispatch(link, rx);
  }
}
