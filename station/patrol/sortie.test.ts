/** The sortie machine as tables: (state, event) → (state, effects), no clock, no drone. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_TIMING, newSortie, stepSortie, type GateReport, type Sortie, type SortieEvent, type SortieStateName } from './sortie.js';

const L = 1_000_000_000;
const base = newSortie({ id: 'P001', kind: 'patrol', post: 'patrol', droneId: 'JH-01', sysid: 11, plan: 'sorties/P001.plan', launchMs: L, onMs: L + 60_000, offMs: L + 1_260_000, landMs: L + 1_320_000, needPct: 40 });
const OK: GateReport = { ok: true, okButMission: true, failing: [] };
const NOMISSION: GateReport = { ok: false, okButMission: true, failing: ['mission not verified on the drone'] };
const BAD: GateReport = { ok: false, okButMission: false, failing: ['pre-arm: PreArm: RC not calibrated'] };
const tick = (dt: number, gates: GateReport = OK): SortieEvent => ({ type: 'tick', nowMs: L + dt, gates });
const at = (state: SortieStateName, patch: Partial<Sortie> = {}): Sortie => ({ ...base, state, ...patch });

const rows: [string, Sortie, SortieEvent, SortieStateName, string[]][] = [
  ['waits until the preparation lead', at('scheduled'), tick(-DEFAULT_TIMING.prepLeadMs - 1000), 'scheduled', []],
  ['prepares and uploads when the gates pass', at('scheduled'), tick(-DEFAULT_TIMING.prepLeadMs, NOMISSION), 'uploading', ['upload']],
  ['is held when a gate fails', at('preparing'), tick(-300_000, BAD), 'held', ['alert']],
  ['held: uploads once the gates pass', at('held'), tick(-200_000, NOMISSION), 'uploading', ['upload']],
  ['warming up past the swap lead: held quietly, not reassigned', at('preparing'), tick(0, { ...BAD, failing: ['GPS: fix 1, 0 satellites'], warming: true }), 'held', []],
  ['missed stays missed', at('missed', { reason: 'station not running' }), tick(0), 'missed', []],
  ['held too long: reassigned', at('held'), tick(-DEFAULT_TIMING.swapLeadMs, BAD), 'reassigned', ['alert', 'reassign']],
  ['a school slot is given away earlier', at('held', { kind: 'school' }), tick(-DEFAULT_TIMING.schoolSwapLeadMs, BAD), 'reassigned', ['alert', 'reassign']],
  ['upload verified', at('uploading', { uploadAttempts: 1 }), { type: 'upload-done', ok: true }, 'verified', []],
  ['upload failed: retried', at('uploading', { uploadAttempts: 1 }), { type: 'upload-done', ok: false, reason: 'timeout' }, 'uploading', ['upload']],
  ['upload failed too often: reassigned', at('uploading', { uploadAttempts: 3 }), { type: 'upload-done', ok: false, reason: 'timeout' }, 'reassigned', ['alert', 'reassign']],
  ['verified: waits for the launch lead', at('verified'), tick(-DEFAULT_TIMING.launchLeadMs - 1000), 'verified', []],
  ['verified: launches with every gate passing', at('verified'), tick(-DEFAULT_TIMING.launchLeadMs), 'launching', ['launch']],
  ['verified: gates failing at launch time: reassigned', at('verified'), tick(0, BAD), 'reassigned', ['alert', 'reassign']],
  ['launch refused: retried', at('launching', { launchAttempts: 1 }), { type: 'launch-done', ok: false, nowMs: L, reason: 'Arm refused' }, 'verified', []],
  ['launch refused again: reassigned', at('launching', { launchAttempts: 2 }), { type: 'launch-done', ok: false, nowMs: L, reason: 'Arm refused' }, 'reassigned', ['alert', 'reassign']],
  ['on station', at('launching', { launchedAtMs: L }), { type: 'on-station', nowMs: L + 30_000 }, 'on_patrol', []],
  ['route end, relieved: returns', at('on_patrol', { launchedAtMs: L, onStationAtMs: L }), { type: 'route-end', nowMs: L + 1e6, relieved: true }, 'returning', []],
  ['route end, not relieved: holds', at('on_patrol', { launchedAtMs: L, onStationAtMs: L }), { type: 'route-end', nowMs: L + 1e6, relieved: false }, 'on_patrol', ['hold']],
  ['holding, relieved: resumes home', at('on_patrol', { launchedAtMs: L, onStationAtMs: L, holding: true }), { type: 'relieved', nowMs: L + 1e6 }, 'returning', ['resume']],
  ['battery low: RTL, alert, reassign', at('on_patrol', { launchedAtMs: L, onStationAtMs: L }), { type: 'battery-low', nowMs: L + 1e6, pct: 31 }, 'returning', ['rtl', 'alert', 'reassign']],
  ['link lost: alert and reassign (the failsafe flies it home)', at('on_patrol', { launchedAtMs: L, onStationAtMs: L }), { type: 'link-lost', nowMs: L + 1e6 }, 'returning', ['alert', 'reassign']],
  ['failsafe mode: alert and reassign', at('launching', { launchedAtMs: L }), { type: 'failsafe', nowMs: L + 1e5, text: 'mode AUTO → LAND' }, 'returning', ['alert', 'reassign']],
  ['GPS lost: alert, carries on', at('on_patrol', { launchedAtMs: L, onStationAtMs: L }), { type: 'fault', nowMs: L + 1e5, text: 'GPS lost' }, 'on_patrol', ['alert']],
  ['landed', at('returning', { launchedAtMs: L, onStationAtMs: L, offStationAtMs: L + 1e6 }), { type: 'landed', nowMs: L + 2e6 }, 'landed', []],
  ['landed → done', at('landed', { launchedAtMs: L, landedAtMs: L + 2e6 }), tick(2e6), 'done', []],
  ['done stays done', at('done'), tick(3e6), 'done', []],
  ['taken over: no move', at('verified', { takenOver: true }), tick(0), 'verified', []],
];

describe('sortie machine', () => {
  it.each(rows)('%s', (_name, s, e, state, effects) => {
    const r = stepSortie(s, e);
    expect(r.sortie.state).toBe(state);
    expect(r.effects.map((x) => x.type)).toEqual(effects);
  });

  it('a taken-over drone that lands still ends its sortie; release gives it back', () => {
    const s = at('on_patrol', { launchedAtMs: L, onStationAtMs: L });
    const t = stepSortie(s, { type: 'takeover' }).sortie;
    expect(t.takenOver).toBe(true);
    expect(stepSortie(t, { type: 'battery-low', nowMs: L, pct: 10 }).effects).toEqual([]);
    expect(stepSortie(stepSortie(t, { type: 'release' }).sortie, { type: 'battery-low', nowMs: L, pct: 10 }).sortie.state).toBe('returning');
    expect(stepSortie(t, { type: 'landed', nowMs: L + 5 }).sortie.state).toBe('landed');
  });

  it('records the times: launched, on station, off station, landed', () => {
    let s = at('launching', { launchAttempts: 1 });
    s = stepSortie(s, { type: 'launch-done', ok: true, nowMs: L + 1 }).sortie;
    s = stepSortie(s, { type: 'on-station', nowMs: L + 2 }).sortie;
    s = stepSortie(s, { type: 'route-end', nowMs: L + 3, relieved: true }).sortie;
    s = stepSortie(s, { type: 'landed', nowMs: L + 4 }).sortie;
    expect([s.launchedAtMs, s.onStationAtMs, s.offStationAtMs, s.landedAtMs]).toEqual([L + 1, L + 2, L + 3, L + 4]);
  });
});
