import { describe, expect, it } from 'vitest';
import { MAV_CMD } from '../../common/mav-cmd.js';
import { item, sameItem, type Mission } from './items.js';
import { fromKml, KML_MAX_CHARS, KML_MAX_PLACEMARKS, missionFromKml, missionToKml } from './kml.js';

const mission: Mission = {
  home: { lat: 24.5855, lon: 118.2575, altM: 12.5 },
  cruiseMps: 10,
  hoverMps: 5,
  items: [
    item.takeoff(24.5855, 118.2575, 60),
    item.speed(10),
    item.waypoint(24.598, 118.262, 60, 5),
    item.roi(24.5961234, 118.2712345, 0),
    item.loiterTime(24.596, 118.272, 45.5, 90),
    item.roiNone(),
    { ...item.waypoint(24.584, 118.268, 70), params: [0, NaN, 0, NaN, 24.584, 118.268, 70] },
    item.rtl(),
  ],
};

describe('KML missions', () => {
  it('reads back exactly the items it wrote, home and speeds included', () => {
    const text = missionToKml('P001 <编辑>', mission);
    const back = missionFromKml(text);
    if (!back.ok) throw new Error(back.reason);
    expect(back.value.home).toEqual(mission.home);
    expect(back.value.cruiseMps).toBe(10);
    expect(back.value.hoverMps).toBe(5);
    expect(back.value.items).toHaveLength(mission.items.length);
    back.value.items.forEach((it, i) => expect(sameItem(it, mission.items[i]!, 0)).toBe(true));
  });

  it('draws the route as a LineString and each item as a numbered Placemark with its altitude', () => {
    const text = missionToKml('P001', mission);
    const routes = fromKml(text);
    if (!routes.ok) throw new Error(routes.reason);
    // home, takeoff, waypoint, hover, waypoint (RTL and the DO items have no place of their own on the route)
    expect(routes.value[0]!.coords.map((c) => c.altM)).toEqual([0, 60, 60, 45.5, 70]);
    expect(text).toContain('<name>5 悬停 hover</name>');
    expect(text).toContain('<coordinates>118.272,24.596,45.5</coordinates>');
    expect(text).toContain('<name>4 云台 camera point</name>');
    expect(text).toContain('<name>8 返航 return to launch</name>');
    expect(text).not.toContain('<编辑>');
  });

  it('makes a mission of a route drawn elsewhere: take off at its start, fly its points, return', () => {
    const r = missionFromKml('<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark><name>新路线</name><LineString><coordinates>118.25,24.58,55 118.26,24.59 118.27,24.595,40</coordinates></LineString></Placemark></Document></kml>');
    if (!r.ok) throw new Error(r.reason);
    expect(r.value.home).toEqual({ lat: 24.58, lon: 118.25, altM: 0 });
    expect(r.value.items.map((it) => [it.command, it.params[4], it.params[5], it.params[6]])).toEqual([
      [MAV_CMD.NAV_TAKEOFF, 24.58, 118.25, 55],
      [MAV_CMD.NAV_WAYPOINT, 24.59, 118.26, 30],
      [MAV_CMD.NAV_WAYPOINT, 24.595, 118.27, 40],
      [MAV_CMD.NAV_RETURN_TO_LAUNCH, 0, 0, 0],
    ]);
  });

  const good = missionToKml('P001', mission);
  it.each([
    ['not KML', 'hello', /not a KML/],
    ['too large', `<kml>${' '.repeat(KML_MAX_CHARS)}</kml>`, /larger than/],
    ['unclosed Placemark', '<kml><Document><Placemark><name>x</name>', /never closed/],
    ['too many Placemarks', `<kml>${'<Placemark></Placemark>'.repeat(KML_MAX_PLACEMARKS + 1)}</kml>`, /more than 5000/],
    ['a command that is not a number', good.replace('<Data name="command"><value>22</value>', '<Data name="command"><value>takeoff</value>'), /Placemark 3: command "takeoff"/],
    ['a latitude off the earth', good.replace('<Data name="p5"><value>24.598</value>', '<Data name="p5"><value>124.598</value>'), /p5 "124.598"/],
    ['an item missing', good.replace(/<Placemark><name>3 [^]*?<\/Placemark>/, ''), /item 4 where item 3 was expected/],
    ['no home', good.replace(/<Placemark><name>H [^]*?<\/Placemark>/, ''), /no home/],
    ['a foreign route with a bad coordinate', '<kml><Placemark><LineString><coordinates>118.25,abc</coordinates></LineString></Placemark></kml>', /bad coordinate/],
    ['a foreign file without a route', '<kml><Document><Placemark><Point><coordinates>1,2</coordinates></Point></Placemark></Document></kml>', /no Placemark with a LineString/],
  ])('refuses %s with a reason', (_what, text, why) => {
    const r = missionFromKml(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(why);
  });

  it('reads a hostile file of unopened tags in linear time (no regex backtracking)', () => {
    const r = missionFromKml(`<kml>${'<Placemark <LineString <coordinates>'.repeat(100_000)}`);
    expect(r.ok).toBe(false);
  });
});
