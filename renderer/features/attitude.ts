/**
 * Attitude and heading of the selected drone on a canvas: an artificial horizon (roll, pitch) and a compass
 * tape. Redrawn from store subscriptions (at most once per animation frame), never by React.
 */
import type { VehicleView } from '../../common/api/contract.js';
import { selectedVehicle, type ConsoleStore } from '../state/store.js';

const DEG = Math.PI / 180;

export function drawAttitude(ctx: CanvasRenderingContext2D, w: number, h: number, v: VehicleView | undefined): void {
  const roll = (v?.rollDeg ?? 0) * DEG;
  const pitch = v?.pitchDeg ?? 0;
  const hdg = v?.headingDeg ?? 0;
  const cx = w / 2;
  const r = Math.min(w, h - 28) / 2 - 4;
  const cy = r + 4;
  const pxPerDeg = r / 30;
  ctx.clearRect(0, 0, w, h);
  // Horizon disc.
  ctx.save();
  ctx.beginPath();
  ctx.arc(cx, cy, r, 0, Math.PI * 2);
  ctx.clip();
  ctx.translate(cx, cy);
  ctx.rotate(-roll);
  ctx.translate(0, pitch * pxPerDeg);
  ctx.fillStyle = '#2563eb';
  ctx.fillRect(-2 * r, -4 * r, 4 * r, 4 * r);
  ctx.fillStyle = '#92400e';
  ctx.fillRect(-2 * r, 0, 4 * r, 4 * r);
  ctx.strokeStyle = '#f8fafc';
  ctx.lineWidth = 2;
  ctx.beginPath();
  ctx.moveTo(-2 * r, 0);
  ctx.lineTo(2 * r, 0);
  ctx.stroke();
  ctx.lineWidth = 1;
  ctx.font = '9px system-ui';
  ctx.fillStyle = '#f8fafc';
  for (let p = -20; p <= 20; p += 10) {
    if (p === 0) continue;
    const y = -p * pxPerDeg;
    ctx.beginPath();
    ctx.moveTo(-r / 4, y);
    ctx.lineTo(r / 4, y);
    ctx.stroke();
    ctx.fillText(String(p), r / 4 + 3, y + 3);
  }
  ctx.restore();
  // Aircraft symbol and roll pointer.
  ctx.strokeStyle = '#facc15';
  ctx.lineWidth = 3;
  ctx.beginPath();
  ctx.moveTo(cx - r * 0.5, cy);
  ctx.lineTo(cx - r * 0.15, cy);
  ctx.lineTo(cx, cy + r * 0.1);
  ctx.lineTo(cx + r * 0.15, cy);
  ctx.lineTo(cx + r * 0.5, cy);
  ctx.stroke();
  ctx.lineWidth = 1.5;
  ctx.strokeStyle = '#cbd5e1';
  ctx.beginPath();
  ctx.arc(cx, cy, r, 0, Math.PI * 2);
  ctx.stroke();
  // Compass tape.
  const ty = h - 24;
  ctx.fillStyle = '#0b1220';
  ctx.fillRect(0, ty, w, 24);
  ctx.save();
  ctx.beginPath();
  ctx.rect(0, ty, w, 24);
  ctx.clip();
  ctx.fillStyle = '#e2e8f0';
  ctx.strokeStyle = '#64748b';
  ctx.font = '10px system-ui';
  ctx.textAlign = 'center';
  const pxPerHdg = w / 90;
  const names: Record<number, string> = { 0: 'N', 90: 'E', 180: 'S', 270: 'W' };
  for (let d = Math.floor((hdg - 50) / 10) * 10; d <= hdg + 50; d += 10) {
    const x = cx + (d - hdg) * pxPerHdg;
    const n = ((d % 360) + 360) % 360;
    ctx.beginPath();
    ctx.moveTo(x, ty);
    ctx.lineTo(x, ty + (n % 30 === 0 ? 8 : 4));
    ctx.stroke();
    if (n % 30 === 0) ctx.fillText(names[n] ?? String(n), x, ty + 19);
  }
  ctx.restore();
  ctx.fillStyle = '#facc15';
  ctx.beginPath();
  ctx.moveTo(cx, ty + 7);
  ctx.lineTo(cx - 5, ty);
  ctx.lineTo(cx + 5, ty);
  ctx.fill();
}

export function mountAttitude(canvas: HTMLCanvasElement, store: ConsoleStore): () => void {
  const ctx = canvas.getContext('2d');
  if (!ctx) return () => undefined;
  let raf = 0;
  const draw = () => {
    raf = 0;
    const dpr = window.devicePixelRatio || 1;
    const w = canvas.clientWidth;
    const h = canvas.clientHeight;
    if (canvas.width !== Math.round(w * dpr)) canvas.width = Math.round(w * dpr);
    if (canvas.height !== Math.round(h * dpr)) canvas.height = Math.round(h * dpr);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const v = selectedVehicle(store.getState());
    drawAttitude(ctx, w, h, v);
    canvas.dataset.heading = String(Math.round(v?.headingDeg ?? 0));
  };
  const schedule = () => {
    if (!raf) raf = requestAnimationFrame(draw);
  };
  schedule();
  const unsub = store.subscribe((s, p) => {
    if (s.vehicles !== p.vehicles || s.selected !== p.selected) schedule();
  });
  return () => {
    unsub();
    if (raf) cancelAnimationFrame(raf);
  };
}
