/**
 * Where a simulated drone keeps its MAVLink signing key across power cycles and simulator restarts, as
 * ArduPilot keeps the key SETUP_SIGNING gave it in its parameter storage (FRAM/flash; SITL's eeprom.bin in the
 * instance's folder): a drone that was given a key still signs with it after `kongxun sim` is restarted, and a
 * station without the key is still ignored. One file per drone, `signing-<sysid>.key`, 64 hex digits, 0600,
 * written aside then renamed (whole or not at all); an all-zero key (signing off) removes it.
 *
 * A file that cannot be read or does not hold 64 hex digits is treated as ArduPilot treats a storage area with
 * a bad header: no key (signing off), with the reason given to `warn`.
 */
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface SigningStorage {
  load(): Uint8Array | undefined;
  /** undefined: signing off (the stored key is erased). */
  save(key: Uint8Array | undefined): void;
}

/** The key file of drone `sysid` in the simulator's state folder. */
export function signingKeyFile(stateDir: string, sysid: number): string {
  return join(stateDir, `signing-${sysid}.key`);
}

export function fileSigningStorage(stateDir: string, sysid: number, warn: (line: string) => void = () => {}): SigningStorage {
  const file = signingKeyFile(stateDir, sysid);
  return {
    load() {
      let text: string;
      try {
        text = readFileSync(file, 'utf8').trim();
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') warn(`sim: ${file}: cannot read the stored signing key (${(e as Error).message}); signing off`);
        return undefined;
      }
      if (!/^[0-9a-fA-F]{64}$/.test(text)) {
        warn(`sim: ${file}: not a signing key (64 hex digits); signing off`);
        return undefined;
      }
      const key = Uint8Array.from(Buffer.from(text, 'hex'));
      return key.every((b) => b === 0) ? undefined : key;
    },
    save(key) {
      try {
        if (!key) {
          rmSync(file, { force: true });
          return;
        }
        mkdirSync(stateDir, { recursive: true, mode: 0o700 });
        const tmp = `${file}.new`;
        writeFileSync(tmp, `${Buffer.from(key).toString('hex')}\n`, { mode: 0o600 });
        chmodSync(tmp, 0o600);
        renameSync(tmp, file);
      } catch (e) {
        // ArduPilot goes on with the key in RAM when its storage write fails; so does the simulator.
        warn(`sim: ${file}: cannot store the signing key (${(e as Error).message}); it holds until the simulator stops`);
      }
    },
  };
}
