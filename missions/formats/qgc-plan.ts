/**
 * QGroundControl `.plan` (JSON) writer and reader: fileType "Plan", version 1, mission version 2 for
 * ArduPilot (firmwareType 3) multirotors (vehicleType 2), SimpleItem entries, geofence version 2 (exclusion
 * polygons for no-fly zones) and rally points version 2. NaN params are written as null, as QGC does.
 */
import { err, type Result } from '../../common/result.js';
import type { Home, Mission, MissionItem, Params7 } from './items.js';
import { isNav } from './items.js';

export interface PlanJson {
  fileType: 'Plan';
  version: 1;
  groundStation: string;
  mission: {
    version: 2;
    firmwareType: number;
    vehicleType: number;
    globalPlanAltitudeMode: number;
    cruiseSpeed: number;
    hoverSpeed: number;
    plannedHomePosition: [number, number, number];
    items: PlanItem[];
  };
  geoFence: { version: 2; polygons: { inclusion: boolean; polygon: [number, number][]; version: 1 }[]; circles: unknown[] };
  rallyPoints: { version: 2; points: [number, number, number][] };
}

export interface PlanItem {
  type: 'SimpleItem';
  command: number;
  frame: number;
  params: (number | null)[];
  Altitude: number;
  AltitudeMode: number;
  AMSLAltAboveTerrain: null;
  autoContinue: boolean;
  doJumpId: number;
}

const r7 = (v: number) => Math.round(v * 1e7) / 1e7;

export function toPlan(m: Mission, groundStation = 'Kongxun'): PlanJson {
  return {
    fileType: 'Plan',
    version: 1,
    groundStation,
    mission: {
      version: 2,
      firmwareType: 3,
      vehicleType: 2,
      globalPlanAltitudeMode: 1,
      cruiseSpeed: m.cruiseMps,
      hoverSpeed: m.hoverMps,
      plannedHomePosition: [r7(m.home.lat), r7(m.home.lon), m.home.altM],
      items: m.items.map((it, i) => ({
        type: 'SimpleItem',
        command: it.command,
        frame: it.frame,
        params: it.params.map((v) => (Number.isNaN(v) ? null : v)),
        Altitude: isNav(it) || it.params[6] ? it.params[6] : 0,
        AltitudeMode: 1,
        AMSLAltAboveTerrain: null,
        autoContinue: it.autoContinue,
        doJumpId: i + 1,
      })),
    },
    geoFence: {
      version: 2,
      polygons: [
        ...(m.fenceInclusions ?? []).map((p) => ({ inclusion: true, polygon: p.map(([a, b]): [number, number] => [r7(a), r7(b)]), version: 1 as const })),
        ...(m.fenceExclusions ?? []).map((p) => ({ inclusion: false, polygon: p.map(([a, b]): [number, number] => [r7(a), r7(b)]), version: 1 as const })),
      ],
      circles: [],
    },
    rallyPoints: { version: 2, points: (m.rally ?? []).map((r): [number, number, number] => [r7(r.lat), r7(r.lon), r.altM]) },
  };
}

/** A mission file read, or why not (in words naming the field or line): the Result every reader below returns. */
export type ReadResult<T> = Result<T, 'invalid-input'>;

/** Reads a .plan's mission (SimpleItems only; complex items such as surveys are refused by name). */
export function fromPlan(json: unknown): ReadResult<Mission> {
  const o = json as Partial<PlanJson> | null;
  if (!o || typeof o !== 'object' || o.fileType !== 'Plan') return err('invalid-input', 'fileType: must be "Plan"');
  const ms = o.mission;
  if (!ms || typeof ms !== 'object' || !Array.isArray(ms.items)) return err('invalid-input', 'mission.items: missing');
  const hp = ms.plannedHomePosition;
  const home: Home = Array.isArray(hp) && hp.length >= 3 ? { lat: Number(hp[0]), lon: Number(hp[1]), altM: Number(hp[2]) } : { lat: 0, lon: 0, altM: 0 };
  const items: MissionItem[] = [];
  for (let i = 0; i < ms.items.length; i++) {
    const it = ms.items[i] as Partial<PlanItem> & { type?: string; complexItemType?: string };
    if (it.type !== 'SimpleItem') return err('invalid-input', `mission.items[${i}].type: ${JSON.stringify(it.type)} (${it.complexItemType ?? 'complex item'}) is not supported`);
    if (typeof it.command !== 'number' || !Array.isArray(it.params) || it.params.length !== 7) {
      return err('invalid-input', `mission.items[${i}]: needs a numeric command and params[7]`);
    }
    items.push({
      command: it.command,
      frame: typeof it.frame === 'number' ? it.frame : 3,
      params: it.params.map((v) => (v === null || v === undefined ? NaN : Number(v))) as Params7,
      autoContinue: it.autoContinue !== false,
    });
  }
  const polys = o.geoFence?.polygons ?? [];
  return {
    ok: true,
    value: {
      home,
      items,
      cruiseMps: Number(ms.cruiseSpeed ?? 15),
      hoverMps: Number(ms.hoverSpeed ?? 5),
      fenceExclusions: polys.filter((p) => !p.inclusion).map((p) => p.polygon),
      fenceInclusions: polys.filter((p) => p.inclusion).map((p) => p.polygon),
      rally: (o.rallyPoints?.points ?? []).map(([lat, lon, altM]) => ({ lat, lon, altM })),
    },
  };
}
