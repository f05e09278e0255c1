/**
 * A station's link to the centre in a process of its own (a FakeHost with one drone), for the test that
 * freezes it (SIGSTOP: the socket stays open, nothing is sent) and the centre's end-to-end test.
 * argv: URL STATION PASSWORD CA-FILE DIR KEEPALIVE-S [LAT LON [ALERT-TEXT]]. Prints "up" once connected; with an
 * alert text, raises that alert once connected.
 */
import { readFileSync } from 'node:fs';
import { SystemClock } from '../../../common/clock.js';
import { CentreLink } from '../link.js';
import { FakeHost } from './fake-host.js';

const [url, station, password, caFile, dir, keepalive, lat, lon, alert] = process.argv.slice(2);
const host = new FakeHost();
host.name = `generated ${station}`;
const [la, lo] = [Number(lat ?? 24.6), Number(lon ?? 118.2)];
host.fleetRows = [[`${station}-01`, la, lo, 50, 0, 'AUTO', 90, 'P001', 'up'], [`${station}-02`, la + 0.003, lo + 0.004, 0, 0, 'STABILIZE', 100, null, 'up']];
const l = CentreLink.start({ clock: new SystemClock(), url: url!, station: station!, username: station!, password: password!, ca: readFileSync(caFile!, 'utf8'), dir: dir!, host, keepaliveS: Number(keepalive), reconnectMs: 500 });
if (!l.ok) {
  process.stderr.write(`${l.reason}\n`);
  process.exit(2);
}
const t = setInterval(() => {
  if (l.value.connected) {
    process.stdout.write('up\n');
    clearInterval(t);
    if (alert) host.alerts.push({ atMs: Date.now(), level: 'critical', text: alert, sortie: 'P001', drone: `${station}-01`, latDeg: la, lonDeg: lo });
  }
}, 20);
