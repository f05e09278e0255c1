/**
 * `kongxun broker`: the embedded MQTT broker for a one-machine trial (station/centre/broker.ts, aedes) on
 * 127.0.0.1, with Mosquitto's password file and ACL (the README's by default). Stations and the centre then use
 * `--mqtt 3.1.1`. Production is Mosquitto or EMQX (README, "The sub-bureau centre").
 */
import { startEmbeddedBroker } from '../centre/broker.js';
import { flag, helpText, intFlag, parseArgs, type FlagSpec } from './args.js';
import { waitForSignal, type CliIo } from './io.js';

const SPEC: Record<string, FlagSpec> = {
  'password-file': { type: 'string', describe: "Mosquitto's password file (made with mosquitto_passwd): the station and centre accounts" },
  'acl-file': { type: 'string', describe: "an ACL in Mosquitto's syntax (default: the README's: each station its own tree, the centre all)" },
  host: { type: 'string', describe: 'address to listen on (default 127.0.0.1)' },
  port: { type: 'string', describe: 'port (default 1883; 0 picks a free one)' },
  help: { type: 'boolean', describe: 'show this help' },
};

export async function brokerMain(argv: string[], io: CliIo): Promise<number> {
  const a = parseArgs(argv, SPEC, 'broker');
  if (!a.ok) return io.fail(a.reason, 2);
  if (flag(a.value, 'help')) return io.print(helpText('broker', '--password-file FILE [--acl-file FILE] [--port N]', SPEC), 0);
  const pw = flag(a.value, 'password-file');
  if (pw === undefined) return io.fail('kongxun broker: give --password-file (make it with: mosquitto_passwd -c FILE centre)', 2);
  const port = intFlag(a.value, 'port', 'broker', 0, 65535);
  if (!port.ok) return io.fail(port.reason, 2);
  const host = flag(a.value, 'host') ?? '127.0.0.1';
  const acl = flag(a.value, 'acl-file');
  const b = await startEmbeddedBroker({ passwordFile: pw, ...(acl !== undefined ? { aclFile: acl } : {}), host, port: port.value ?? 1883, log: (l) => io.out(l) });
  if (!b.ok) return io.fail(`kongxun broker: ${b.reason}`, 2);
  if (!/^127\.|^localhost$|^::1$/.test(host)) io.out('kongxun broker: warning: listening beyond this machine without TLS — passwords cross the network in clear; use Mosquitto with TLS for that');
  io.out(`kongxun: embedded broker (MQTT 3.1.1) at ${b.value.url}  (Ctrl+C to stop)`);
  const sig = await waitForSignal();
  io.out(`kongxun: ${sig}, stopping`);
  await b.value.close();
  return 0;
}
