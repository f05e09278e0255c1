/**
 * KML 2.2 for routes: one Placemark per route with a LineString (lon,lat,alt; altitudeMode relativeToGround,
 * i.e. metres above the launch point as our altitudes are), and a tolerant reader for hand-drawn KML
 * (Google Earth, QGIS): every Placemark's LineString (or a Polygon's outer ring) with its name. No DOM: the
 * reader is a small tag scanner, enough for the KML these tools write.
 */
import type { LonLat } from '../jurisdiction.js';
import type { ReadResult } from './qgc-plan.js';

export interface KmlRoute { name: string; description?: string; coords: { lon: number; lat: number; altM: number }[] }

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const unesc = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');

export function toKml(docName: string, routes: KmlRoute[]): string {
  const pm = routes.map((r) => [
    '    <Placemark>',
    `      <name>${esc(r.name)}</name>`,
    r.description ? `      <description>${esc(r.description)}</description>` : '',
    '      <LineString>',
    '        <altitudeMode>relativeToGround</altitudeMode>',
    `        <coordinates>${r.coords.map((c) => `${c.lon.toFixed(7)},${c.lat.toFixed(7)},${c.altM}`).join(' ')}</coordinates>`,
    '      </LineString>',
    '    </Placemark>',
  ].filter(Boolean).join('\n'));
  return `<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2">\n  <Document>\n    <name>${esc(docName)}</name>\n${pm.join('\n')}\n  </Document>\n</kml>\n`;
}

export function fromKml(text: string): ReadResult<KmlRoute[]> {
  if (!/<kml[\s>]/i.test(text)) return { ok: false, error: 'not a KML document (no <kml> element)' };
  const out: KmlRoute[] = [];
  const placemarks = text.match(/<Placemark[\s\S]*?<\/Placemark>/gi) ?? [];
  for (const [i, pm] of placemarks.entries()) {
    const name = unesc(/<name>([\s\S]*?)<\/name>/i.exec(pm)?.[1]?.trim() ?? `placemark ${i + 1}`);
    const geom = /<LineString[\s\S]*?<coordinates>([\s\S]*?)<\/coordinates>/i.exec(pm) ?? /<outerBoundaryIs[\s\S]*?<coordinates>([\s\S]*?)<\/coordinates>/i.exec(pm);
    if (!geom) continue;
    const coords: KmlRoute['coords'] = [];
    for (const tuple of geom[1]!.trim().split(/\s+/)) {
      const [lon, lat, alt] = tuple.split(',').map(Number);
      if (!Number.isFinite(lon) || !Number.isFinite(lat)) return { ok: false, error: `Placemark "${name}": bad coordinate "${tuple}"` };
      coords.push({ lon: lon!, lat: lat!, altM: Number.isFinite(alt) ? alt! : 0 });
    }
    out.push({ name, coords });
  }
  if (!out.length) return { ok: false, error: 'no Placemark with a LineString or Polygon' };
  return { ok: true, value: out };
}

export const kmlPath = (r: KmlRoute): LonLat[] => r.coords.map((c) => [c.lon, c.lat]);
