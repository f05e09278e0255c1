/**
 * WGS-84 → GCJ-02 ("Mars coordinates"), the offset AMap and most Chinese basemaps carry. Kongxun keeps every
 * coordinate in WGS-84; this is applied only when drawing on such a basemap (features/basemap.ts shifts the
 * tiles by the offset at the view's centre). Outside China the two are the same. The formula is the public
 * reverse-engineered one (Krasovsky 1940 ellipsoid), accurate to well under a metre against AMap.
 */
const A = 6378245.0;
const EE = 0.00669342162296594323;

export function outOfChina(latDeg: number, lonDeg: number): boolean {
  return lonDeg < 72.004 || lonDeg > 137.8347 || latDeg < 0.8293 || latDeg > 55.8271;
}

function tLat(x: number, y: number): number {
  let r = -100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
  r += ((20 * Math.sin(6 * x * Math.PI) + 20 * Math.sin(2 * x * Math.PI)) * 2) / 3;
  r += ((20 * Math.sin(y * Math.PI) + 40 * Math.sin((y / 3) * Math.PI)) * 2) / 3;
  r += ((160 * Math.sin((y / 12) * Math.PI) + 320 * Math.sin((y * Math.PI) / 30)) * 2) / 3;
  return r;
}

function tLon(x: number, y: number): number {
  let r = 300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
  r += ((20 * Math.sin(6 * x * Math.PI) + 20 * Math.sin(2 * x * Math.PI)) * 2) / 3;
  r += ((20 * Math.sin(x * Math.PI) + 40 * Math.sin((x / 3) * Math.PI)) * 2) / 3;
  r += ((150 * Math.sin((x / 12) * Math.PI) + 300 * Math.sin((x / 30) * Math.PI)) * 2) / 3;
  return r;
}

export function wgsToGcj(latDeg: number, lonDeg: number): { latDeg: number; lonDeg: number } {
  if (outOfChina(latDeg, lonDeg)) return { latDeg, lonDeg };
  const dLat0 = tLat(lonDeg - 105, latDeg - 35);
  const dLon0 = tLon(lonDeg - 105, latDeg - 35);
  const rad = (latDeg / 180) * Math.PI;
  const s = Math.sin(rad);
  const magic = 1 - EE * s * s;
  const sq = Math.sqrt(magic);
  const dLat = (dLat0 * 180) / (((A * (1 - EE)) / (magic * sq)) * Math.PI);
  const dLon = (dLon0 * 180) / ((A / sq) * Math.cos(rad) * Math.PI);
  return { latDeg: latDeg + dLat, lonDeg: lonDeg + dLon };
}

/** GCJ-02 → WGS-84 by fixed-point iteration (converges to ~1e-9° in a few steps). */
export function gcjToWgs(latDeg: number, lonDeg: number): { latDeg: number; lonDeg: number } {
  let w = { latDeg, lonDeg };
  for (let i = 0; i < 10; i++) {
    const g = wgsToGcj(w.latDeg, w.lonDeg);
    w = { latDeg: w.latDeg + (latDeg - g.latDeg), lonDeg: w.lonDeg + (lonDeg - g.lonDeg) };
  }
  return w;
}
