/**
 * A station for the link's tests and the bench: the CentreHost interface over plain data the test moves
 * (events, alerts, a fleet, dispatch progress). The runner-backed host is station/centre/station-host.ts.
 */
import { err, ok, type Result } from '../../../common/result.js';
import type { Principal } from '../../gateway/principal.js';
import type { CentreHost, DispatchProgress, HostAlert, HostEvent, HostSortie, HostStatus, LookAt } from '../host.js';
import type { FleetRow } from '../schema.js';

export class FakeHost implements CentreHost {
  name = 'test station';
  fleetRows: FleetRow[] = [];
  events: HostEvent[] = [];
  alerts: HostAlert[] = [];
  sorties: HostSortie[] = [];
  requests: { who: Principal; req: LookAt }[] = [];
  instructions: { who: Principal; id: string; text: string }[] = [];
  acks = new Map<string, string>();
  progressOf = new Map<string, DispatchProgress>();
  refuse: string | null = null;
  /** A drone's video for the centre (issue 18); absent: the station has no Janus. */
  video?: CentreHost['video'];

  status(): HostStatus {
    return { name: this.name, drones: this.fleetRows.length, dronesUp: this.fleetRows.filter((r) => r[8] === 'up').length, sortiesToday: 72, sortiesFlown: 3, coveragePct: 97.5 };
  }
  fleet(): FleetRow[] {
    return this.fleetRows;
  }
  drain() {
    const out = { events: this.events, alerts: this.alerts, sorties: this.sorties };
    this.events = [];
    this.alerts = [];
    this.sorties = [];
    return out;
  }
  request(who: Principal, req: LookAt): Result<void> {
    if (this.refuse) return err('refused', this.refuse);
    this.requests.push({ who, req });
    this.progressOf.set(req.id, { state: 'queued', drone: null, etaS: null, reason: null });
    return ok(undefined);
  }
  progress(id: string): DispatchProgress | null {
    return this.progressOf.get(id) ?? null;
  }
  instruct(who: Principal, id: string, text: string): Result<void> {
    this.instructions.push({ who, id, text });
    return ok(undefined);
  }
  acknowledged(id: string): { by: string } | null {
    const by = this.acks.get(id);
    return by ? { by } : null;
  }
  report(_who: Principal, date: string | null): Result<{ date: string; report: Record<string, unknown> }> {
    return ok({ date: date ?? '2026-11-24', report: { sorties_planned: 72, sorties_flown: 70 } });
  }
}
