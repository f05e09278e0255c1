/** A station-side video hub in its own process, for the `kill -9` recording test: prints "ready" when listening. */
import { VideoHub } from '../../station/video/hub.js';
import { SystemClock } from '../../common/clock.js';

const [dataDir, url] = process.argv.slice(2);
const hub = await VideoHub.start({ clock: new SystemClock(), dataDir: dataDir!, sources: [{ drone: 'JH-01', url: url! }] });
if (!hub.ok) {
  console.error(hub.reason);
  process.exit(2);
}
console.log('ready');
setInterval(() => {
  const s = hub.value.stats('JH-01');
  if (s?.recording) console.log(`frames ${s.units} ${s.recording}`);
}, 200);
