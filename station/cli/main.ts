/** The `kongxun` command: dispatches to its subcommands. */
import { simMain } from '../../sitl/cli.js';
import { brokerMain } from './broker.js';
import { centreMain } from './centre.js';
import { auditMain } from './audit.js';
import { commandMain } from './command.js';
import { flightsMain } from './flights.js';
import { flyMain } from './fly.js';
import { keysMain } from './keys.js';
import { processIo, type CliIo } from './io.js';
import { planMain } from './plan.js';
import { missionMain } from './mission.js';
import { logsMain } from './logs.js';
import { paramsMain } from './params.js';
import { patrolMain } from './patrol.js';
import { serveMain } from './serve.js';
import { statusMain } from './status.js';
import { usersMain } from './users.js';

const USAGE = `kongxun — ground station for police patrol drones (空巡)

usage: kongxun <command> [options]   (kongxun <command> --help for its options)

  serve     the station service and its web console (built-in simulated fleet by default)
  sim       simulated ArduCopter drones on TCP 127.0.0.1:5760+10·i
  status    live state of each vehicle on a link
  command   send one command to a vehicle and wait for its acknowledgement
  plan      plan the day: 72 patrol sorties and the school-gate hover posts, as schedule.json and .plan files
  mission   upload (verified), download or clear a vehicle's mission, fence or rally points
  fly       upload and verify a plan, take off, fly it in AUTO, land; JSON summary
  patrol    run a day plan: launch, hand over, handle faults, report (--sim: the whole day on the simulator)
  params    pull (cached; MAVFTP or list), set (verified) or diff a drone's parameters
  logs      list, download (resumable, checksummed) or delete one of a drone's onboard logs
  flights   the flights recorded in DATA/tlogs (armed → disarmed), for replay
  users     the console's accounts: add, list, passwd, disable, enable, role
  centre    the sub-bureau centre: every station's drones, alerts and "go and look here" over an MQTT broker
  broker    an embedded MQTT broker for a one-machine trial (Mosquitto's password file and ACL)
  audit     the audit of every command (who, role, from where, the check, the answer); audit verify checks its chain
  keys      install or rotate a drone's MAVLink signing key (SETUP_SIGNING over a trusted link)
`;

type Sub = (argv: string[], io: CliIo) => Promise<number>;

const COMMANDS: Record<string, Sub> = {
  serve: serveMain,
  status: statusMain,
  command: (argv, io) => commandMain(argv, io),
  plan: (argv, io) => planMain(argv, io.out, io.err),
  mission: (argv, io) => missionMain(argv, io),
  fly: (argv, io) => flyMain(argv, io),
  patrol: patrolMain,
  params: paramsMain,
  logs: logsMain,
  flights: flightsMain,
  users: (argv, io) => usersMain(argv, io),
  centre: centreMain,
  broker: brokerMain,
  audit: auditMain,
  keys: keysMain,
  sim: (argv, io) => simMain(argv, { out: io.out, err: io.err }),
};

export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') return io.print(USAGE, name ? 0 : 2);
  if (name === '--version' || name === 'version') return io.print('kongxun 0.1.0', 0);
  const sub = COMMANDS[name];
  if (!sub) return io.fail(`kongxun: unknown command "${name}"\n\n${USAGE}`, 2);
  return sub(rest, io);
}
