/**
 * The flight's telemetry under the map, drawn with uPlot (canvas, fast on tens of thousands of points, ~50 kB):
 * altitude, ground speed, battery % with its voltage on a second axis. Time is the x axis in station time
 * (Asia/Shanghai); the hover crosshair is shared by the three charts; a line marks the replay cursor and moves
 * from the player's store (no redraw of the chart); a click on a chart seeks there.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { FlightSample } from '../../common/api/contract.js';
import { translate, type Lang } from '../i18n.js';
import { fmtTime, indexAt, replayTimeZone } from './model.js';
import type { Player } from './player.js';

export interface ChartEls {
  alt: HTMLElement;
  speed: HTMLElement;
  battery: HTMLElement;
}

const AXIS: uPlot.Axis = {
  stroke: '#8a9bb8',
  grid: { stroke: '#1f2b45', width: 1 },
  ticks: { stroke: '#24324f', width: 1 },
  font: '11px system-ui, sans-serif',
};
/** Ticks in station time, HH:mm:ss (uPlot's own labels are American). */
const TIME_AXIS: uPlot.Axis = { ...AXIS, values: (_u, splits) => splits.map((v) => fmtTime(v * 1000)) };
const HEIGHT = 130;

const val = (digits: number, unit: string) => (_u: uPlot, v: number | null) => (v === null || v === undefined ? '—' : `${v.toFixed(digits)} ${unit}`);

function column(samples: readonly FlightSample[], pick: (s: FlightSample) => number | null): (number | null)[] {
  return samples.map((s) => {
    const v = pick(s);
    return v === null || !Number.isFinite(v) ? null : v;
  });
}

export function mountCharts(els: ChartEls, samples: readonly FlightSample[], player: Player, lang: Lang): () => void {
  const t = (k: Parameters<typeof translate>[1]) => translate(lang, k);
  const xs = samples.map((s) => s.t / 1000);
  const base = (el: HTMLElement): uPlot.Options => ({
    width: Math.max(120, el.clientWidth),
    height: HEIGHT,
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), replayTimeZone()),
    cursor: { sync: { key: 'kx-replay' }, drag: { x: false, y: false, setScale: false }, points: { size: 6 } },
    legend: { live: true },
    scales: { x: { time: true } },
    series: [{ label: t('replayClock'), value: (_u, v) => (v === null ? '—' : fmtTime(v * 1000)) }],
    axes: [{ ...TIME_AXIS }, { ...AXIS, size: 44 }],
  });
  const specs: { el: HTMLElement; opts: uPlot.Options; data: uPlot.AlignedData }[] = [];
  {
    const o = base(els.alt);
    o.series.push({ label: t('altitude'), stroke: '#38bdf8', fill: 'rgba(56, 189, 248, .12)', width: 1.5, value: val(1, 'm'), spanGaps: false });
    specs.push({ el: els.alt, opts: o, data: [xs, column(samples, (s) => s.altRelM)] });
  }
  {
    const o = base(els.speed);
    o.series.push({ label: t('speed'), stroke: '#34d399', width: 1.5, value: val(1, 'm/s') });
    specs.push({ el: els.speed, opts: o, data: [xs, column(samples, (s) => s.groundSpeedMps)] });
  }
  {
    const o = base(els.battery);
    o.scales = { x: { time: true }, pct: { range: [0, 100] }, v: { auto: true } };
    o.series.push({ label: t('battery'), stroke: '#fbbf24', width: 1.5, scale: 'pct', value: val(0, '%') });
    o.series.push({ label: t('replayVoltage'), stroke: '#f472b6', width: 1.2, scale: 'v', value: val(2, 'V') });
    o.axes = [{ ...TIME_AXIS }, { ...AXIS, scale: 'pct', size: 44 }, { ...AXIS, scale: 'v', side: 1, size: 44, grid: { show: false } }];
    specs.push({ el: els.battery, opts: o, data: [xs, column(samples, (s) => s.batteryPct), column(samples, (s) => s.voltageV)] });
  }

  const plots: { u: uPlot; el: HTMLElement }[] = [];
  // The legends show the values at the replay cursor, except while the mouse hovers a chart (its own crosshair).
  let hovering = false;
  let legendIdx = -2;
  const idxAt = (tMs: number) => Math.max(0, indexAt(samples, tMs));
  const legend = (tMs: number, force = false) => {
    const i = idxAt(tMs);
    if (hovering || (!force && i === legendIdx) || samples.length === 0) return;
    legendIdx = i;
    for (const p of plots) p.u.setLegend({ idx: i }, false);
  };
  /** The replay cursor's line in a chart's plotting area (made on first use). */
  const place = (u: uPlot, tMs: number) => {
    let line = u.over.querySelector<HTMLDivElement>('.replay-cursor');
    if (!line) {
      line = document.createElement('div');
      line.className = 'replay-cursor';
      u.over.appendChild(line);
    }
    const x = u.valToPos(tMs / 1000, 'x');
    line.style.transform = `translateX(${Math.round(x)}px)`;
    line.style.display = Number.isFinite(x) ? '' : 'none';
  };
  for (const s of specs) {
    s.el.replaceChildren();
    // uPlot lays out and draws in batches: the line is placed again after every draw (first one, resize).
    s.opts.hooks = {
      ready: [(u) => !hovering && samples.length > 0 && u.setLegend({ idx: idxAt(player.store.getState().t) }, false)],
      draw: [(u) => place(u, player.store.getState().t)],
    };
    const u = new uPlot(s.opts, s.data, s.el);
    u.over.addEventListener('mouseenter', () => (hovering = true));
    u.over.addEventListener('mouseleave', () => {
      hovering = false;
      setTimeout(() => legend(player.store.getState().t, true), 0);
    });
    u.over.addEventListener('click', (e) => {
      const v = u.posToVal(e.offsetX, 'x');
      if (Number.isFinite(v)) player.seek(v * 1000);
    });
    const points = (s.data[1] as (number | null)[]).filter((v) => v !== null).length;
    s.el.dataset.points = String(points);
    plots.push({ u, el: s.el });
  }
  const unsub = player.store.subscribe((s, prev) => {
    if (s.t === prev.t) return;
    for (const p of plots) place(p.u, s.t);
    legend(s.t);
  });
  const ro = new ResizeObserver(() => {
    for (const p of plots) {
      const w = Math.max(120, p.el.clientWidth);
      if (Math.abs(w - p.u.width) < 2) continue;
      p.u.setSize({ width: w, height: HEIGHT });
    }
  });
  for (const p of plots) ro.observe(p.el);
  return () => {
    ro.disconnect();
    unsub();
    for (const p of plots) p.u.destroy();
  };
}
