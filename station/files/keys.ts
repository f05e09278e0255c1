/**
 * MAVLink signing keys of the station: one per drone in DATA/keys/<drone>.key (mode 0600, in a 0700
 * folder), or the file a fleet drone names (`signing_key_file`), or one for every link from a file
 * (`--signing-key-file`) or the environment (`KONGXUN_SIGNING_KEY`) — never from the command line, which
 * any user of the machine can read in /proc/PID/cmdline.
 *
 * A key text is 64 hex digits (the 32-byte key itself, as `kongxun keys install` writes it), or else a
 * passphrase whose SHA-256 is the key (as MAVProxy's `signing setup` and QGroundControl derive it).
 * A key file readable by group or others is refused, as ssh refuses such a private key.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { isZeroKey, keyFromPassphrase, type SigningConfig, type UnsignedPolicy } from '../../mavlink/codec/signing.js';
import { err, ok, type Result } from '../../common/result.js';
import { writeFileAtomicSync } from '../storage/atomic-file.js';

export const SIGNING_KEY_ENV = 'KONGXUN_SIGNING_KEY';

export function keyFromText(text: string, where: string): Result<Uint8Array> {
  const t = text.trim();
  if (t.length === 0) return err('bad-key', `${where}: empty (give 64 hex digits or a passphrase)`);
  const key = /^[0-9a-fA-F]{64}$/.test(t) ? Uint8Array.from(Buffer.from(t, 'hex')) : keyFromPassphrase(t);
  if (isZeroKey(key)) return err('bad-key', `${where}: an all-zero key means "signing off", not a key`);
  return ok(key);
}

export function keyToText(key: Uint8Array): string {
  return Buffer.from(key).toString('hex');
}

export function keyPath(dataDir: string, drone: string): string {
  return join(dataDir, 'keys', `${drone}.key`);
}

/** Read a key file; refused when missing, unreadable, or readable by group/others. */
export function readKeyFile(path: string): Result<Uint8Array> {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch (e) {
    return err('no-key', `${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such key file' : (e as Error).message}`);
  }
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    return err('bad-key', `${path}: readable by others (mode ${(mode & 0o777).toString(8)}): chmod 600 ${path}`);
  }
  try {
    return keyFromText(readFileSync(path, 'utf8'), path);
  } catch (e) {
    return err('bad-key', `${path}: ${(e as Error).message}`);
  }
}

/** Write a key (hex) to a 0600 file in a 0700 folder, whole or not at all, and on the disk (storage/atomic-file.ts). */
export function writeKeyFile(path: string, key: Uint8Array): Result<string> {
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  } catch (e) {
    return err('write-failed', `${dirname(path)}: ${(e as Error).message}`);
  }
  const w = writeFileAtomicSync(path, `${keyToText(key)}\n`, { mode: 0o600 });
  return w.ok ? ok(path) : w;
}

export function newKey(): Uint8Array {
  return Uint8Array.from(randomBytes(32));
}

export interface DroneKeySource {
  id: string;
  signingKeyFile?: string;
}

/**
 * The key of one drone: the fleet file's `signing_key_file` (relative to the fleet file), else
 * DATA/keys/<id>.key if it exists; undefined when neither. An error when a named or present file is bad.
 */
export function droneKey(d: DroneKeySource, dataDir: string, fleetDir: string): Result<{ key: Uint8Array; from: string } | undefined> {
  if (d.signingKeyFile !== undefined) {
    const p = isAbsolute(d.signingKeyFile) ? d.signingKeyFile : resolve(fleetDir, d.signingKeyFile);
    const k = readKeyFile(p);
    return k.ok ? ok({ key: k.value, from: p }) : err(k.code, `drone ${d.id}: ${k.reason}`);
  }
  const p = keyPath(dataDir, d.id);
  const k = readKeyFile(p);
  if (k.ok) return ok({ key: k.value, from: p });
  return k.code === 'no-key' ? ok(undefined) : err(k.code, `drone ${d.id}: ${k.reason}`);
}

/** A link to plan signing for: a URL (a real link), or the in-process simulator's (no socket, nothing to forge). */
export type PlannedLink = { url: string } | { sim: true };

/**
 * Signing per link, failing closed — shared by `kongxun serve` and the one-shot commands (fly, command, mission,
 * params, logs): each real link signs with its drone's own key (the fleet drone whose `connect` is the link's
 * URL, or the drone named by `byUrl`: its signing_key_file, else DATA/keys/<id>.key), else the station-wide
 * key; the simulator's in-process links stay unsigned. When any key is in play and a real link has none, the
 * start is refused naming the link: a link silently unsigned next to signed ones is what an attacker looks for.
 */
export function signingPlan(
  links: readonly PlannedLink[],
  drones: readonly (DroneKeySource & { connect?: string })[],
  o: { signing?: Omit<SigningConfig, 'linkId'> | undefined; unsigned?: UnsignedPolicy | undefined; dataDir: string; fleetDir: string; byUrl?: ReadonlyMap<string, DroneKeySource> },
): Result<{ perLink: (Omit<SigningConfig, 'linkId'> | undefined)[]; summary: string | undefined }> {
  const unsigned = o.unsigned ?? o.signing?.unsigned ?? 'reject';
  const perLink: (Omit<SigningConfig, 'linkId'> | undefined)[] = [];
  const missing: string[] = [];
  const from: string[] = [];
  let asked = o.signing !== undefined;
  let sims = 0;
  for (const l of links) {
    if (!('url' in l)) {
      sims++;
      perLink.push(undefined);
      continue;
    }
    const url = l.url;
    const d = o.byUrl?.get(url) ?? drones.find((x) => x.connect === url);
    const own = d ? droneKey(d, o.dataDir, o.fleetDir) : ok(undefined);
    if (!own.ok) return err('signing', `signing: ${own.reason}`);
    if (own.value) asked = true;
    const key = own.value?.key ?? o.signing?.key;
    if (!key) {
      missing.push(d ? `${url} (drone ${d.id})` : url);
      perLink.push(undefined);
      continue;
    }
    from.push(`${d?.id ?? url}: ${own.value ? own.value.from : 'the station key'}`);
    perLink.push({ key, unsigned });
  }
  if (!asked) return ok({ perLink, summary: undefined });
  if (missing.length > 0) {
    return err('signing', `signing is on but ${missing.length === 1 ? 'this link has' : 'these links have'} no key: ${missing.join(', ')} — give each drone DATA/keys/<id>.key (kongxun keys install), a signing_key_file in the fleet file, or one key for all with --signing-key-file`);
  }
  const real = perLink.filter(Boolean).length;
  return ok({ perLink, summary: `signing ${real} real link${real === 1 ? '' : 's'} (${from.join('; ')}), unsigned frames: ${unsigned}${sims > 0 ? `; ${sims} in-process simulator link${sims === 1 ? '' : 's'} unsigned` : ''}` });
}
