/**
 * The service's events on their way to the consoles: the drones' (merged ×N and rate-limited per vehicle by the
 * event flood, alerts of drones with video carrying a picture of the moment), the patrol runner's alerts (those
 * raised while the runner starts, before any console listens, are kept for every console's recent events), and
 * the stores' notices.
 */
import type { Clock } from '../../common/clock.js';
import type { StationEvent } from '../../common/api/contract.js';
import { stationEvent } from '../api/views.js';
import type { Station } from '../compose.js';
import type { PatrolRunner } from '../patrol/runner.js';
import { patrolAlert, storageEvent, type StorageNotice } from '../storage/health.js';
import { EventFlood } from '../vehicle/event-flood.js';

/** Patrol alerts kept from the runner's start at most. */
const EARLY_MAX = 50;

export class ServiceEvents {
  private readonly listeners = new Set<(e: StationEvent) => void>();
  private readonly early: StationEvent[] = [];
  private starting = true;
  private readonly flood: EventFlood;

  constructor(private readonly clock: Clock) {
    this.flood = new EventFlood(clock, (ev) => this.emit(ev));
  }

  /**
   * The station's events go through the flood; `decorate` (an alert's picture) is asked for each as it comes.
   * Returns the unsubscribe.
   */
  follow(station: Station, names: ReadonlyMap<number, string>, decorate: (e: StationEvent) => StationEvent): () => void {
    return station.on('*', (e) => {
      const raw = stationEvent(e, this.clock.now(), names);
      if (raw) this.flood.push(decorate(raw));
    });
  }

  /** An event that is rate-limited like a drone's (a link that rejects every frame). */
  push(ev: StationEvent): void {
    this.flood.push(ev);
  }

  /** A patrol alert: kept for later consoles while the service starts, and sent to every console. */
  patrol(ev: StationEvent): void {
    if (this.starting) {
      if (this.early.length < EARLY_MAX) this.early.push(ev);
      return;
    }
    this.emit(ev);
  }

  /** The service has started: patrol alerts are no longer kept. */
  started(): void {
    this.starting = false;
  }

  /** A console's subscription: the kept patrol alerts at once, then every event. */
  onEvent(cb: (e: StationEvent) => void): () => void {
    this.listeners.add(cb);
    for (const e of this.early) cb(e);
    return () => this.listeners.delete(cb);
  }

  emit(ev: StationEvent): void {
    for (const l of this.listeners) l(ev);
  }

  close(): void {
    this.flood.close();
  }
}

/**
 * A store's failure or recovery, and the free-space marks: the console's events, and the patrol's alerts (so the
 * daily report lists them) or, without a patrol, the log.
 */
export function storageNotice(events: ServiceEvents, runner: PatrolRunner | undefined, log: (l: string) => void): (n: StorageNotice) => void {
  return (n) => {
    const ev = storageEvent(n);
    events.emit(ev);
    const a = patrolAlert(n);
    // With a patrol the runner's alert (patrol/start.ts subscribes it) is the log line ("patrol alert: …"); said once.
    if (!(runner && a)) log(`kongxun: ${ev.severity === 'alert' ? 'ALERT' : ev.severity}: ${ev.text}`);
  };
}
