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
import { chmodSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { isZeroKey, keyFromPassphrase } from '../../mavlink/codec/signing.js';
import { err, ok, type Result } from '../../common/result.js';

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

/** Write a key (hex) to a 0600 file in a 0700 folder, whole or not at all (write aside, then rename). */
export function writeKeyFile(path: string, key: Uint8Array): Result<string> {
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const tmp = `${path}.new`;
    writeFileSync(tmp, `${keyToText(key)}\n`, { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, path);
    return ok(path);
  } catch (e) {
    return err('write-failed', `${path}: ${(e as Error).message}`);
  }
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
