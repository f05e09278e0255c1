/**
 * `--signing-key PASSPHRASE` and `--unsigned accept|flag|reject`, shared by the commands that open links.
 * The key is SHA-256 of the passphrase, as MAVProxy's `signing setup` and QGroundControl derive it.
 */
import { keyFromPassphrase, type SigningConfig, type UnsignedPolicy } from '../../mavlink/codec/signing.js';
import { err, ok, type Result } from '../../mavlink/result.js';
import { flag, type FlagSpec, type ParsedArgs } from './args.js';

export const SIGNING_FLAGS: Record<string, FlagSpec> = {
  'signing-key': { type: 'string', describe: 'MAVLink 2 signing passphrase (key = SHA-256 of it); signs and verifies every link' },
  unsigned: { type: 'string', describe: 'with a signing key: what to do with unsigned frames: reject (default), flag, accept' },
};

export function signingFromArgs(a: ParsedArgs, command: string): Result<Omit<SigningConfig, 'linkId'> | undefined> {
  const pass = flag(a, 'signing-key');
  const policy = flag(a, 'unsigned');
  if (policy !== undefined && !['accept', 'flag', 'reject'].includes(policy)) {
    return err('usage', `kongxun ${command}: --unsigned must be accept, flag or reject, got "${policy}"`);
  }
  if (pass === undefined) {
    if (policy !== undefined) return err('usage', `kongxun ${command}: --unsigned needs --signing-key`);
    return ok(undefined);
  }
  if (pass.length === 0) return err('usage', `kongxun ${command}: --signing-key must not be empty`);
  return ok({ key: keyFromPassphrase(pass), unsigned: (policy ?? 'reject') as UnsignedPolicy });
}
