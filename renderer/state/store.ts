/** The renderer's state: plain data from the station, in one zustand store made by a factory. */
import { createStore } from 'zustand/vanilla';
import type { ActualMessage, CommandResultCode, ConsoleIdentity, FleetInfoView, InstructionView, PlanMessage, StationEvent, StationSnapshot, TilesInfo, VehicleCommand, VehicleView } from '../../common/api/contract.js';
import type { Lang } from '../i18n.js';
import type { FlightIssue } from '../../missions/plan/flight-check.js';

/** The screens; 'video' is one drone's video in a window of its own (`?view=video&drone=ID`); 'replay' reviews
 * recorded flights (`?view=replay[&flight=ID]`). */
export type View = 'desk' | 'timeline' | 'wall' | 'planner' | 'replay' | 'audit' | 'video' | 'kiosk' | 'users' | 'report';
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
  /** Refused on the spot by the station's flight check run in the console (nothing was sent). */
  issues?: FlightIssue[];
  /** Sent with a pilot's override and this reason. */
  override?: string;
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
  /** Refused on the spot by the flight check (nothing sent): the file's text, kept for an override. */
  issues?: FlightIssue[];
  text?: string;
  /** The patrol the upload took the drone over from ("patrol sortie P012"), as the station's gateway said. */
  takenOver?: string | null;
}

/** A refused command or upload a pilot may still send with a written reason (the override dialog). */
export type OverrideRequest =
  | { kind: 'command'; sysid: number; command: VehicleCommand; issues: FlightIssue[] }
  | { kind: 'upload'; sysid: number; name: string; text: string; issues: FlightIssue[] };

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
  /** What happened today (the runner's records, the flights in the tlogs); null until the station says. */
  actual: ActualMessage | null;
  /** The station's IANA time zone: every time on the console is shown in it. */
  timezone: string;
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
  override: OverrideRequest | null;
  commands: CommandEntry[];
  upload: UploadEntry | null;
  /** The last go-to / orbit target per drone (sysid), drawn on the map. */
  targets: Record<number, { latDeg: number; lonDeg: number; kind: 'goto' | 'orbit' }>;
  takeoffAltM: number;
  basemap: Basemap;
  tiandituKey: string;
  /** "Go and look here": the map point its dialog is open for (right-click on the desk map). */
  lookAt: { latDeg: number; lonDeg: number } | null;
  /** Look requests this console sent, newest first, with the station's answer once it came. */
  looks: { requestId: string; sentMs: number; ok?: boolean; id?: string | null; reason?: string }[];
  /** The flight open in the replay view (FlightSummary.id), kept while the reviewer visits other views. */
  replayFlight: string | null;
  /** Who this console is signed in as (GET /api/me, then the station's hello). */
  who: ConsoleIdentity | null;
  /** The fleet file's battery figures (hello), for the planner's battery check; null from a station that does not send them. */
  fleet: FleetInfoView | null;
  /** The sub-bureau centre's instructions for the desk (empty without a centre link), newest last. */
  instructions: InstructionView[];
  /** The desk's last acknowledgement the station refused, with its reason. */
  instructionError: string | null;
}

/** Whether this console's role commands drones (the station refuses it anyway; this only hides the buttons). */
export function mayFly(who: ConsoleIdentity | null): boolean {
  return who?.role === 'pilot';
}

/** The camera and gimbal: a pilot's, and a dispatcher's (station/gateway's rights table: 'payload'). */
/** Acknowledging the centre's instructions: a dispatcher's and a pilot's ('instruct' in the rights table). */
export function mayAckInstruction(who: ConsoleIdentity | null): boolean {
  return who?.role === 'pilot' || who?.role === 'dispatcher';
}

export function mayUsePayload(who: ConsoleIdentity | null): boolean {
  return who?.role === 'pilot' || who?.role === 'dispatcher';
}

export function createConsoleStore(initial: Partial<ConsoleState> = {}) {
  return createStore<ConsoleState>(() => ({
    link: 'connecting',
    station: '',
    simulated: false,
    geography: null,
    tiles: null,
    plan: null,
    actual: null,
    timezone: 'Asia/Shanghai',
    vehicles: [],
    atMs: 0,
    events: [],
    lang: 'zh-CN',
    view: 'desk',
    selected: null,
    pick: null,
    confirm: null,
    override: null,
    commands: [],
    upload: null,
    targets: {},
    takeoffAltM: 30,
    basemap: 'none',
    tiandituKey: '',
    replayFlight: null,
    who: null,
    fleet: null,
    lookAt: null,
    looks: [],
    instructions: [],
    instructionError: null,
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
