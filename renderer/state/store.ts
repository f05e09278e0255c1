/** The renderer's state: plain data from the station, in one zustand store made by a factory. */
import { createStore } from 'zustand/vanilla';
import type { CommandResultCode, PlanMessage, StationEvent, StationSnapshot, TilesInfo, VehicleCommand, VehicleView } from '../../station/api/contract.js';
import type { Lang } from '../i18n.js';

/** The screens; 'video' is one drone's video in a window of its own (`?view=video&drone=ID`); 'replay' reviews
 * recorded flights (`?view=replay[&flight=ID]`). */
export type View = 'desk' | 'timeline' | 'wall' | 'planner' | 'replay' | 'video' | 'kiosk';
export type Basemap = 'none' | 'offline' | 'osm' | 'tianditu' | 'amap';

export interface CommandEntry {
  requestId: string;
  sysid: number;
  drone: string;
  command: VehicleCommand;
  sentMs: number;
  /** undefined while waiting for the station's answer. */
  ok?: boolean;
  result?: CommandResultCode;
  reason?: string;
}

/** A mission upload from the planner: progress as the station reports it, then the verified result. */
export interface UploadEntry {
  requestId: string;
  sysid: number;
  drone: string;
  name: string;
  phase: 'upload' | 'verify';
  done: number;
  total: number;
  ok?: boolean;
  verifiedBy?: string | null;
  reason?: string;
}

/** A command waiting for the pilot's confirmation in the dialog. */
export interface PendingConfirm {
  sysid: number;
  command: VehicleCommand;
}

export interface ConsoleState {
  link: 'connecting' | 'connected' | 'disconnected';
  station: string;
  simulated: boolean;
  geography: unknown;
  tiles: TilesInfo | null;
  plan: PlanMessage | null;
  vehicles: VehicleView[];
  /** Station time of the last snapshot (ms since epoch). */
  atMs: number;
  events: StationEvent[];
  lang: Lang;
  view: View;
  selected: number | null;
  /** Map click picks a point for this command of the selected drone. */
  pick: 'goto' | 'orbit' | null;
  confirm: PendingConfirm | null;
  commands: CommandEntry[];
  upload: UploadEntry | null;
  /** The last go-to / orbit target per drone (sysid), drawn on the map. */
  targets: Record<number, { latDeg: number; lonDeg: number; kind: 'goto' | 'orbit' }>;
  takeoffAltM: number;
  basemap: Basemap;
  tiandituKey: string;
  /** The flight open in the replay view (FlightSummary.id), kept while the reviewer visits other views. */
  replayFlight: string | null;
}

export function createConsoleStore(initial: Partial<ConsoleState> = {}) {
  return createStore<ConsoleState>(() => ({
    link: 'connecting',
    station: '',
    simulated: false,
    geography: null,
    tiles: null,
    plan: null,
    vehicles: [],
    atMs: 0,
    events: [],
    lang: 'zh-CN',
    view: 'desk',
    selected: null,
    pick: null,
    confirm: null,
    commands: [],
    upload: null,
    targets: {},
    takeoffAltM: 30,
    basemap: 'none',
    tiandituKey: '',
    replayFlight: null,
    ...initial,
  }));
}

export type ConsoleStore = ReturnType<typeof createConsoleStore>;

export function applySnapshot(store: ConsoleStore, s: StationSnapshot): void {
  const st = store.getState();
  const selected = st.selected ?? s.vehicles[0]?.sysid ?? null;
  store.setState({ vehicles: s.vehicles, station: s.station, simulated: s.simulated, atMs: s.atMs, selected });
}

export function pushEvent(store: ConsoleStore, e: StationEvent): void {
  const events = [e, ...store.getState().events].slice(0, 200);
  store.setState({ events });
}

export function selectedVehicle(s: ConsoleState): VehicleView | undefined {
  return s.vehicles.find((v) => v.sysid === s.selected);
}
