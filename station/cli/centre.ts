/** `kongxun centre`: the sub-bureau centre's console over an MQTT broker (station/centre/). */
import { resolve } from 'node:path';
import { SystemClock } from '../../common/clock.js';
import { Auth } from '../auth/auth.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../centre/broker.js';
import { Centre } from '../centre/centre.js';
import { startCentreServer } from '../centre/centre-server.js';
import { flag, helpText, intFlag, parseArgs, type FlagSpec } from './args.js';
import { brokerFlags, brokerFromArgs } from './centre-flags.js';
import { waitForSignal, type CliIo } from './io.js';
import { installLastResort } from '../last-resort.js';
import { defaultDataDir } from '../storage/data-dir.js';

const SPEC: Record<string, FlagSpec> = {
  broker: { type: 'string', describe: 'the MQTT broker every station reports to: mqtts://broker:8883, or "embedded" for a one-machine trial (aedes, MQTT 3.1.1)' },
  'broker-password-file': { type: 'string', describe: "with --broker embedded: Mosquitto's password file (mosquitto_passwd) of the stations and the centre" },
  'broker-acl-file': { type: 'string', describe: "with --broker embedded: an ACL in Mosquitto's syntax (default: the README's)" },
  'broker-port': { type: 'string', describe: 'with --broker embedded: its port on 127.0.0.1 (default 1883)' },
  ...brokerFlags('', 'centre'),
  host: { type: 'string', describe: 'address to serve the console on (default 127.0.0.1)' },
  port: { type: 'string', describe: 'port of the console (default 8090; 0 picks a free one)' },
  data: { type: 'string', describe: 'data folder holding the console\'s accounts (users.sqlite; kongxun users … --data DIR); default the station\'s' },
  help: { type: 'boolean', describe: 'show this help' },
};

export async function centreMain(argv: string[], io: CliIo): Promise<number> {
  const a = parseArgs(argv, SPEC, 'centre');
  if (!a.ok) return io.fail(a.reason, 2);
  if (flag(a.value, 'help')) return io.print(helpText('centre', '--broker URL --user NAME --password-file FILE [options]', SPEC), 0);
  const port = intFlag(a.value, 'port', 'centre', 0, 65535);
  if (!port.ok) return io.fail(port.reason, 2);
  const given = flag(a.value, 'broker');
  if (given === undefined) return io.fail('kongxun centre: give --broker mqtts://host:8883 (the README, "The sub-bureau centre", shows a Mosquitto setup), or --broker embedded for a one-machine trial', 2);
  // A one-machine trial: the embedded broker on loopback, with Mosquitto's password file and ACL.
  let embedded: EmbeddedBroker | undefined;
  if (given === 'embedded') {
    const pw = flag(a.value, 'broker-password-file');
    if (pw === undefined) return io.fail('kongxun centre: --broker embedded needs --broker-password-file (mosquitto_passwd -c FILE centre; one line per station too)', 2);
    const bp = intFlag(a.value, 'broker-port', 'centre', 0, 65535);
    if (!bp.ok) return io.fail(bp.reason, 2);
    const acl = flag(a.value, 'broker-acl-file');
    const eb = await startEmbeddedBroker({ passwordFile: pw, ...(acl !== undefined ? { aclFile: acl } : {}), port: bp.value ?? 1883, log: (l) => io.out(l) });
    if (!eb.ok) return io.fail(`kongxun centre: ${eb.reason}`, 2);
    embedded = eb.value;
    io.out(`kongxun: embedded broker (MQTT 3.1.1) at ${embedded.url}: stations link with --centre ${embedded.url} --centre-mqtt 3.1.1`);
  }
  const url = embedded?.url ?? given;
  const b = brokerFromArgs(a.value, url, '', 'centre', 'centre');
  if (!b.ok) {
    await embedded?.close();
    return io.fail(b.reason, 2);
  }
  if (embedded) b.value.mqttVersion = 4;
  const dataDir = resolve(flag(a.value, 'data') ?? defaultDataDir());
  const clock = new SystemClock();
  const auth = Auth.open({ dataDir, clock });
  if (!auth.ok) {
    await embedded?.close();
    return io.fail(`kongxun centre: accounts in ${dataDir}: ${auth.reason}`, 2);
  }
  const c = Centre.start({ clock, url, id: b.value.id, ...(b.value.username !== undefined ? { username: b.value.username } : {}), ...(b.value.password !== undefined ? { password: b.value.password } : {}), ...(b.value.ca !== undefined ? { ca: b.value.ca } : {}), ...(b.value.keepaliveS !== undefined ? { keepaliveS: b.value.keepaliveS } : {}), ...(b.value.mqttVersion !== undefined ? { mqttVersion: b.value.mqttVersion } : {}), log: (l) => io.out(l) });
  if (!c.ok) {
    auth.value.close();
    await embedded?.close();
    return io.fail(`kongxun centre: ${c.reason}`, 2);
  }
  const srv = await startCentreServer({ centre: c.value, auth: auth.value, clock, host: flag(a.value, 'host') ?? '127.0.0.1', port: port.value ?? 8090, log: (l) => io.out(l) });
  if (!srv.ok) {
    await c.value.close();
    auth.value.close();
    await embedded?.close();
    return io.fail(`kongxun centre: ${srv.reason}`, 2);
  }
  if (auth.value.needsSetup()) io.out(`kongxun: this centre has no users yet: add one with  kongxun users add NAME --role dispatcher --data ${dataDir}`);
  io.out(`kongxun: centre "${b.value.id}" on ${url}; console at ${srv.value.url}  (Ctrl+C to stop)`);
  const offLastResort = installLastResort((l) => io.err(l));
  const sig = await waitForSignal();
  io.out(`kongxun: ${sig}, stopping`);
  await srv.value.close();
  await c.value.close();
  auth.value.close();
  await embedded?.close();
  offLastResort();
  return 0;
}
