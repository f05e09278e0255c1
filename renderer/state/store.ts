/** The renderer's state: plain data from the station, in one zustand store made by a factory. */
import { createStore } from 'zustand/vanilla';
import type { StationEvent, StationSnapshot, VehicleView } from '../../station/api/contract.js';
import type { Lang } from '../i18n.js';

export interface ConsoleState {
  link: 'connecting' | 'connected' | 'disconnected';
  station: string;
  simulated: boolean;
  geography: unknown;
  vehicles: VehicleView[];
  events: StationEvent[];
  lang: Lang;
}

export function createConsoleStore() {
  return createStore<ConsoleState>(() => ({
    link: 'connecting',
    station: '',
    simulated: false,
    geography: null,
    vehicles: [],
    events: [],
    lang: 'zh-CN',
  }));
}

export type ConsoleStore = ReturnType<typeof createConsoleStore>;

export function applySnapshot(store: ConsoleStore, s: StationSnapshot): void {
  store.setState({ vehicles: s.vehicles, station: s.station, simulated: s.simulated });
}

export function pushEvent(store: ConsoleStore, e: StationEvent): void {
  const events = [e, ...store.getState().events].slice(0, 100);
  store.setState({ events });
}
