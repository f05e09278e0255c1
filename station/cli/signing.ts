/**
 * Signing options shared by the commands that open links: `--signing-key-file FILE` or the environment's
 * KONGXUN_SIGNING_KEY (64 hex digits, or a passphrase: key = SHA-256 of it, as MAVProxy's `signing setup`
 * and QGroundControl derive it), and `--unsigned accept|flag|reject`. `--signing-key PASSPHRASE` still works
 * but warns: a command line is readable by every user of the machine (/proc/PID/cmdline, ps).
 */
import { keyFromPassphrase, type SigningConfig, type UnsignedPolicy } from '../../mavlink/codec/signing.js';
import { err, ok, type Result } from '../../common/result.js';
import { SIGNING_KEY_ENV, keyFromText, readKeyFile } from '../files/keys.js';
import { flag, type FlagSpec, type ParsedArgs } from './args.js';

export const SIGNING_FLAGS: Record<string, FlagSpec> = {
  'signing-key-file': { type: 'string', describe: `MAVLink 2 signing key for every link, from a 0600 file (64 hex digits, or a passphrase: key = SHA-256 of it); or set ${SIGNING_KEY_ENV}` },
  'signing-key': { type: 'string', describe: 'deprecated: a passphrase on the command line is readable by every user (/proc/PID/cmdline); use --signing-key-file' },
  unsigned: { type: 'string', describe: 'with signing: what to do with unsigned frames: reject (default), flag (accept, badge and alert), accept' },
};

export const DEPRECATED_SIGNING_KEY = `--signing-key is deprecated: the passphrase on the command line is readable by every user of this machine (/proc/PID/cmdline); use --signing-key-file FILE (mode 0600) or ${SIGNING_KEY_ENV}`;

export interface CliSigning {
  /** The key for every link, if one was given; with the unsigned policy. */
  config: Omit<SigningConfig, 'linkId'> | undefined;
  /** --unsigned, when given. */
  unsigned: UnsignedPolicy | undefined;
  /** Where the key came from (never the key): "--signing-key-file /x", "KONGXUN_SIGNING_KEY", "--signing-key". */
  from: string | undefined;
}

/**
 * Read the signing options. `warn` hears the deprecation warning. With `policyAlone` (serve: drones may have
 * keys of their own), --unsigned without a station-wide key is allowed.
 */
export function cliSigning(a: ParsedArgs, command: string, o: { warn?: (line: string) => void; env?: NodeJS.ProcessEnv; policyAlone?: boolean } = {}): Result<CliSigning> {
  const env = o.env ?? process.env;
  const pass = flag(a, 'signing-key');
  const file = flag(a, 'signing-key-file');
  const fromEnv = env[SIGNING_KEY_ENV];
  const policy = flag(a, 'unsigned');
  if (policy !== undefined && !['accept', 'flag', 'reject'].includes(policy)) {
    return err('usage', `kongxun ${command}: --unsigned must be accept, flag or reject, got "${policy}"`);
  }
  const given = [pass !== undefined && '--signing-key', file !== undefined && '--signing-key-file', fromEnv !== undefined && fromEnv !== '' && SIGNING_KEY_ENV].filter(Boolean);
  if (given.length > 1) return err('usage', `kongxun ${command}: give one signing key, not ${given.join(' and ')}`);
  let key: Uint8Array | undefined;
  let from: string | undefined;
  if (pass !== undefined) {
    o.warn?.(`kongxun ${command}: warning: ${DEPRECATED_SIGNING_KEY}`);
    if (pass.length === 0) return err('usage', `kongxun ${command}: --signing-key must not be empty`);
    key = keyFromPassphrase(pass);
    from = '--signing-key';
  } else if (file !== undefined) {
    const k = readKeyFile(file);
    if (!k.ok) return err('usage', `kongxun ${command}: --signing-key-file ${k.reason}`);
    key = k.value;
    from = `--signing-key-file ${file}`;
  } else if (fromEnv !== undefined && fromEnv !== '') {
    const k = keyFromText(fromEnv, SIGNING_KEY_ENV);
    if (!k.ok) return err('usage', `kongxun ${command}: ${k.reason}`);
    key = k.value;
    from = SIGNING_KEY_ENV;
  }
  if (!key && policy !== undefined && !o.policyAlone) return err('usage', `kongxun ${command}: --unsigned needs a signing key (--signing-key-file or ${SIGNING_KEY_ENV})`);
  const unsigned = policy as UnsignedPolicy | undefined;
  return ok({ config: key ? { key, unsigned: unsigned ?? 'reject' } : undefined, unsigned, from });
}

/** The station-wide signing config only (commands that open --connect links without a fleet). */
export function signingFromArgs(a: ParsedArgs, command: string, warn?: (line: string) => void): Result<Omit<SigningConfig, 'linkId'> | undefined> {
  const s = cliSigning(a, command, warn ? { warn } : {});
  return s.ok ? ok(s.value.config) : s;
}
