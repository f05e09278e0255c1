/**
 * The simulated vehicle's parameters: a small subset of ArduCopter 4.7's ~1350, with the names, types and
 * defaults of copter-params.parm (captured from a wiped-EEPROM ArduCopter 4.7.0-dev SITL), in the same
 * relative order. Values travel as float32 whatever their type; integer types are rounded on set.
 * Later work expands this to the full table; the store does not care how many there are.
 */
import { common } from 'mavlink-mappings';

const { MavParamType } = common;

export interface ParamDef {
  name: string;
  type: number;
  value: number;
}

const INT8 = MavParamType.INT8;
const INT16 = MavParamType.INT16;
const INT32 = MavParamType.INT32;
const REAL32 = MavParamType.REAL32;

/** Defaults as captured (copter-params.parm), in param_index order. */
export const DEFAULT_PARAMS: readonly ParamDef[] = [
  { name: 'FORMAT_VERSION', type: INT16, value: 120 },
  { name: 'RTL_ALT', type: INT32, value: 1500 },
  { name: 'RTL_SPEED', type: INT16, value: 0 },
  { name: 'RTL_ALT_FINAL', type: INT16, value: 0 },
  { name: 'RTL_CLIMB_MIN', type: INT16, value: 0 },
  { name: 'RTL_LOIT_TIME', type: INT32, value: 5000 },
  { name: 'FS_GCS_ENABLE', type: INT8, value: 0 },
  { name: 'WP_YAW_BEHAVIOR', type: INT8, value: 2 },
  { name: 'LAND_SPEED', type: INT16, value: 50 },
  { name: 'LAND_SPEED_HIGH', type: INT16, value: 0 },
  { name: 'PILOT_SPEED_UP', type: INT16, value: 250 },
  { name: 'FLTMODE6', type: INT8, value: 0 },
  { name: 'ARMING_CHECK', type: INT32, value: 1 },
  { name: 'DISARM_DELAY', type: INT8, value: 10 },
  { name: 'ANGLE_MAX', type: INT16, value: 3000 },
  { name: 'FS_EKF_ACTION', type: INT8, value: 1 },
  { name: 'FS_EKF_THRESH', type: REAL32, value: 0.8 },
  { name: 'WPNAV_SPEED', type: REAL32, value: 1000 },
  { name: 'WPNAV_RADIUS', type: REAL32, value: 200 },
  { name: 'WPNAV_SPEED_UP', type: REAL32, value: 250 },
  { name: 'WPNAV_SPEED_DN', type: REAL32, value: 150 },
  { name: 'WPNAV_ACCEL', type: REAL32, value: 250 },
  { name: 'CIRCLE_RADIUS', type: REAL32, value: 1000 },
  { name: 'CIRCLE_RATE', type: REAL32, value: 20 },
  { name: 'BATT_MONITOR', type: INT8, value: 4 },
  { name: 'BATT_CAPACITY', type: INT32, value: 3300 },
  { name: 'BATT_LOW_TIMER', type: INT8, value: 10 },
  { name: 'BATT_LOW_VOLT', type: REAL32, value: 10.5 },
  { name: 'BATT_LOW_MAH', type: REAL32, value: 0 },
  { name: 'BATT_CRT_VOLT', type: REAL32, value: 0 },
  { name: 'BATT_CRT_MAH', type: REAL32, value: 0 },
  { name: 'BATT_FS_LOW_ACT', type: INT8, value: 0 },
  { name: 'BATT_FS_CRT_ACT', type: INT8, value: 0 },
  { name: 'FRAME_CLASS', type: INT8, value: 1 },
  { name: 'LAND_ALT_LOW', type: INT16, value: 1000 },
  { name: 'FS_OPTIONS', type: INT32, value: 16 },
  { name: 'FS_GCS_TIMEOUT', type: REAL32, value: 5 },
  { name: 'FENCE_ENABLE', type: INT8, value: 0 },
  { name: 'FENCE_TYPE', type: INT8, value: 7 },
  { name: 'FENCE_ACTION', type: INT8, value: 1 },
  { name: 'FENCE_ALT_MAX', type: REAL32, value: 100 },
  { name: 'FENCE_RADIUS', type: REAL32, value: 150 },
  { name: 'FENCE_MARGIN', type: REAL32, value: 2 },
  { name: 'MAV_SYSID', type: INT16, value: 1 },
  { name: 'MAV_GCS_SYSID', type: INT16, value: 255 },
];

const INTEGER_TYPES = new Set<number>([
  MavParamType.UINT8,
  MavParamType.INT8,
  MavParamType.UINT16,
  MavParamType.INT16,
  MavParamType.UINT32,
  MavParamType.INT32,
]);

/** Round a value as the type stores it and pass it through float32, as the wire does. */
export function normaliseValue(type: number, value: number): number {
  const v = INTEGER_TYPES.has(type) ? Math.round(value) : value;
  return Math.fround(v);
}

export class ParamStore {
  private readonly defs: ParamDef[];
  private readonly index = new Map<string, number>();
  private readonly listeners = new Set<(name: string, value: number) => void>();

  constructor(overrides: Readonly<Record<string, number>> = {}) {
    this.defs = DEFAULT_PARAMS.map((d) => ({ ...d }));
    this.defs.forEach((d, i) => this.index.set(d.name, i));
    for (const [name, value] of Object.entries(overrides)) {
      const i = this.index.get(name);
      if (i === undefined) throw new Error(`sitl: unknown parameter ${name}`);
      const d = this.defs[i]!;
      d.value = normaliseValue(d.type, value);
    }
  }

  get count(): number {
    return this.defs.length;
  }

  has(name: string): boolean {
    return this.index.has(name);
  }

  /** The value of a parameter this simulator knows (throws on a typo in our own code). */
  get(name: string): number {
    const i = this.index.get(name);
    if (i === undefined) throw new Error(`sitl: unknown parameter ${name}`);
    return this.defs[i]!.value;
  }

  at(index: number): (ParamDef & { index: number }) | undefined {
    const d = this.defs[index];
    return d ? { ...d, index } : undefined;
  }

  byName(name: string): (ParamDef & { index: number }) | undefined {
    const i = this.index.get(name);
    return i === undefined ? undefined : this.at(i);
  }

  /** Set a parameter. Returns the stored definition, or undefined for an unknown name. */
  set(name: string, value: number): (ParamDef & { index: number }) | undefined {
    const i = this.index.get(name);
    if (i === undefined || !Number.isFinite(value)) return undefined;
    const d = this.defs[i]!;
    const v = normaliseValue(d.type, value);
    const changed = v !== d.value;
    d.value = v;
    if (changed) for (const l of this.listeners) l(name, v);
    return { ...d, index: i };
  }

  onChange(l: (name: string, value: number) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
}
