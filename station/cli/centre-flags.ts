/**
 * The broker flags shared by `kongxun serve --centre …` (a station's link) and `kongxun centre` (the centre):
 * the broker URL, the user (the station's or centre's id by default), a password file (never a password on
 * the command line, where `ps` shows it) and the CA of the broker's certificate.
 */
import { readFileSync } from 'node:fs';
import { err, ok, type Result } from '../../common/result.js';
import { readPasswordFile } from '../centre/link.js';
import { ID_RE } from '../centre/topics.js';
import { flag, type FlagSpec, type ParsedArgs } from './args.js';

export interface BrokerArgs { url: string; id: string; username?: string; password?: string; ca?: string; keepaliveS?: number; mqttVersion?: 4 | 5 }

export function brokerFlags(prefix: string, what: string): Record<string, FlagSpec> {
  return {
    [`${prefix}user`]: { type: 'string', describe: `the ${what}'s broker user name (also its id in the topic tree unless --${prefix}id)` },
    [`${prefix}id`]: { type: 'string', describe: `the ${what}'s id in the topic tree (A-Z a-z 0-9 _ -; default: the user name)` },
    [`${prefix}password-file`]: { type: 'string', describe: 'a file whose first line is the broker password' },
    [`${prefix}ca`]: { type: 'string', describe: "PEM file of the CA that signed the broker's certificate (mqtts://)" },
    [`${prefix}keepalive`]: { type: 'string', describe: 'MQTT keep-alive in seconds (default 30; the broker declares the peer offline after 1.5×)' },
    [`${prefix}mqtt`]: { type: 'string', describe: 'MQTT version: 5 (default; Mosquitto, EMQX) or 3.1.1 (the embedded trial broker, kongxun broker)' },
  };
}

export function brokerFromArgs(a: ParsedArgs, url: string, prefix: string, command: string, defaultId?: string): Result<BrokerArgs> {
  const user = flag(a, `${prefix}user`);
  const id = flag(a, `${prefix}id`) ?? user ?? defaultId;
  if (id === undefined) return err('usage', `kongxun ${command}: give --${prefix}user (or --${prefix}id)`);
  if (!ID_RE.test(id)) return err('usage', `kongxun ${command}: the id "${id}" must be 1–64 of A–Z a–z 0–9 _ -`);
  const out: BrokerArgs = { url, id };
  if (user !== undefined) out.username = user;
  const pwFile = flag(a, `${prefix}password-file`);
  if (pwFile !== undefined) {
    const pw = readPasswordFile(pwFile);
    if (!pw.ok) return err('usage', `kongxun ${command}: --${prefix}password-file ${pw.reason}`);
    out.password = pw.value;
  }
  const ca = flag(a, `${prefix}ca`);
  if (ca !== undefined) {
    try {
      out.ca = readFileSync(ca, 'utf8');
    } catch (e) {
      return err('usage', `kongxun ${command}: --${prefix}ca ${ca}: ${(e as Error).message}`);
    }
  }
  const ka = flag(a, `${prefix}keepalive`);
  if (ka !== undefined) {
    const n = Number(ka);
    if (!Number.isInteger(n) || n < 1 || n > 3600) return err('usage', `kongxun ${command}: --${prefix}keepalive must be whole seconds from 1 to 3600, got "${ka}"`);
    out.keepaliveS = n;
  }
  const v = flag(a, `${prefix}mqtt`);
  if (v !== undefined) {
    if (v !== '5' && v !== '3.1.1') return err('usage', `kongxun ${command}: --${prefix}mqtt is 5 or 3.1.1, got "${v}"`);
    out.mqttVersion = v === '5' ? 5 : 4;
  }
  return ok(out);
}
