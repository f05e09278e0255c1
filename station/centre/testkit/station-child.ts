/**
 * A station's link to the centre in a process of its own (a FakeHost with one drone), for the test that
 * freezes it (SIGSTOP: the socket stays open, nothing is sent) and the bench. argv: URL STATION PASSWORD CA-FILE DIR KEEPALIVE-S.
 * Prints "up" once connected.
 */
import { readFileSync } from 'node:fs';
import { SystemClock } from '../../../mavlink/clock.js';
import { CentreLink } from '../link.js';
import { FakeHost } from './fake-host.js';

const [url, station, password, caFile, dir, keepalive] = process.argv.slice(2);
const host = new FakeHost();
host.fleetRows = [[`${station}-01`, 24.6, 118.2, 50, 0, 'AUTO', 90, null, 'up']];
const l = CentreLink.start({ clock: new SystemClock(), url: url!, station: station!, username: station!, password: password!, ca: readFileSync(caFile!, 'utf8'), dir: dir!, host, keepaliveS: Number(keepalive), reconnectMs: 500 });
if (!l.ok) {
  process.stderr.write(`${l.reason}\n`);
  process.exit(2);
}
const t = setInterval(() => {
  if (l.value.connected) {
    process.stdout.write('up\n');
    clearInterval(t);
  }
}, 20);
