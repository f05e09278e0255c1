/**
 * Turning OS errors from sockets and serial ports into Result values with words a pilot can act on.
 * Node socket errors carry an errno `code`; serialport's native binding only puts the strerror text in
 * the message ("Error: No such file or directory, cannot open /dev/ttyUSB0"), so both are recognised.
 */
import { err } from '../../common/result.js';

export type TransportErrorCode =
  | 'address_in_use'
  | 'address_not_available'
  | 'permission_denied'
  | 'not_found'
  | 'busy'
  | 'unsupported'
  | 'already_open'
  | 'open_failed';

/** The errno-style code of an error ("EADDRINUSE", "ENOENT", …), or undefined. */
export function errnoCode(e: unknown): string | undefined {
  if (typeof e === 'object' && e !== null) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    const msg = (e as { message?: unknown }).message;
    if (typeof msg === 'string') {
      if (/No such file or directory/i.test(msg)) return 'ENOENT';
      if (/Permission denied/i.test(msg)) return 'EACCES';
      if (/Resource (temporarily unavailable|busy)|Cannot lock port/i.test(msg)) return 'EBUSY';
      if (/File not found|cannot find the file/i.test(msg)) return 'ENOENT';
      if (/Access is denied/i.test(msg)) return 'EACCES';
    }
  }
  return undefined;
}

/** A short one-line description of any thrown or emitted value. */
export function errorText(e: unknown): string {
  if (e instanceof Error) return e.message.replace(/^Error: /, '');
  return String(e);
}

/** The error value for a failed open, naming the URL, what was being opened and why. */
export function openError(url: string, target: string, e: unknown): { ok: false; code: TransportErrorCode; reason: string } {
  const code = errnoCode(e);
  const detail = errorText(e);
  switch (code) {
    case 'EADDRINUSE':
      return err('address_in_use', `${url}: ${target} is already in use by another program (EADDRINUSE)`);
    case 'EADDRNOTAVAIL':
      return err('address_not_available', `${url}: ${target} is not an address of this machine (EADDRNOTAVAIL)`);
    case 'EACCES':
    case 'EPERM':
      return err('permission_denied', `${url}: permission denied opening ${target} (${code}): ${detail}`);
    case 'ENOENT':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return err('not_found', `${url}: ${target} was not found (${code}): ${detail}`);
    case 'EBUSY':
      return err('busy', `${url}: ${target} is busy, probably open in another program (${code}): ${detail}`);
    default:
      return err('open_failed', `${url}: could not open ${target}${code ? ` (${code})` : ''}: ${detail}`);
  }
}
