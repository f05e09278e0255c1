/**
 * The simulated vehicle's parameters: all 1349 of ArduCopter 4.7.0-dev with their names, types, defaults
 * and param_index order as captured (param-defaults.ts, from copter-params.parm). Values travel as float32
 * whatever their type; integer types are rounded on set. Every parameter remembers its default, for
 * `@PARAM/param.pck?withdefaults=1`.
 */
import { common } from 'mavlink-mappings';
import { COPTER_DEFAULTS_PARM } from './param-defaults.js';

const { MavParamType } = common;

export interface ParamDef {
  name: string;
  type: number;
  value: number;
}

/** The captured defaults, in param_index order (parsed on each call: nothing happens at import time). */
export function copterDefaults(): ParamDef[] {
  return COPTER_DEFAULTS_PARM.split('\n').map((line) => {
    const [name, value, type] = line.split(',');
    return { name: name!, type: Number(type), value: Math.fround(Number(value)) };
  });
}

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
  /** Defaults: the captured table with the creation overrides applied (like SITL's defaults file). */
  private readonly defaults: number[];
  private readonly index = new Map<string, number>();
  private readonly listeners = new Set<(name: string, value: number) => void>();

  constructor(overrides: Readonly<Record<string, number>> = {}) {
    this.defs = copterDefaults();
    this.defs.forEach((d, i) => this.index.set(d.name, i));
    for (const [name, value] of Object.entries(overrides)) {
      const i = this.index.get(name);
      if (i === undefined) throw new Error(`sitl: unknown parameter ${name}`);
      const d = this.defs[i]!;
      d.value = normaliseValue(d.type, value);
    }
    // Values given at creation count as defaults, as those of SITL's defaults file do (param.pck
    // ?withdefaults=1 flags only what changed after boot).
    this.defaults = this.defs.map((d) => d.value);
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

  /** The default value of the parameter at an index (ArduPilot's compiled-in / SITL defaults-file value). */
  defaultAt(index: number): number | undefined {
    return this.defaults[index];
  }

  onChange(l: (name: string, value: number) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
}
