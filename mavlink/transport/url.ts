/**
 * Link URLs in the MAVSDK style, parsed into a typed value:
 *   udpin://0.0.0.0:14550      listen for UDP datagrams
 *   udpout://127.0.0.1:14550   send UDP to a vehicle/companion from an ephemeral local port
 *   tcpin://0.0.0.0:5760       TCP server, many clients
 *   tcpout://127.0.0.1:5760    TCP client (reconnects)
 *   serial:///dev/ttyUSB0:57600, serial:///dev/ttyUSB0 (57600), serial://COM3:57600
 * Malformed URLs give an error value that names the URL and says what is wrong. memory:// links are made
 * in code with memoryPair(), never from a URL.
 */
import { err, ok, type Result } from '../../common/result.js';

export type NetScheme = 'udpin' | 'udpout' | 'tcpin' | 'tcpout';

export interface NetLinkUrl {
  kind: NetScheme;
  /** IPv4 dotted quad, IPv6 literal without brackets, or a host name. */
  host: string;
  port: number;
}

export interface SerialLinkUrl {
  kind: 'serial';
  /** "/dev/ttyUSB0", "COM3", "\\.\COM12". */
  path: string;
  baud: number;
}

export type LinkUrl = NetLinkUrl | SerialLinkUrl;

export type LinkUrlError = 'bad_url' | 'bad_scheme' | 'bad_host' | 'bad_port' | 'bad_path' | 'bad_baud';

export const ACCEPTED_SCHEMES: readonly string[] = ['udpin', 'udpout', 'tcpin', 'tcpout', 'serial'];
export const DEFAULT_SERIAL_BAUD = 57600;
/** Lowest standard baud rate; anything lower is a typo. */
export const MIN_SERIAL_BAUD = 50;
/** Highest baud accepted; USB adapters and some flight controllers' USB CDC report up to a few Mbit/s. */
export const MAX_SERIAL_BAUD = 20_000_000;

const EXAMPLES =
  'udpin://0.0.0.0:14550, udpout://127.0.0.1:14550, tcpin://0.0.0.0:5760, tcpout://127.0.0.1:5760, ' +
  'serial:///dev/ttyUSB0:57600, serial://COM3:57600';

type Parsed<T> = Result<T, LinkUrlError>;

function fail(code: LinkUrlError, url: string, what: string): Parsed<never> {
  return err(code, `invalid link URL "${url}": ${what}`);
}

/** Parse a link URL. Never throws. */
export function parseLinkUrl(url: string): Parsed<LinkUrl> {
  const text = url.trim();
  if (text === '') return fail('bad_url', url, `the URL is empty; expected one of ${EXAMPLES}`);
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/s.exec(text);
  if (!m) return fail('bad_url', url, `expected scheme://address, e.g. ${EXAMPLES}`);
  const scheme = (m[1] ?? '').toLowerCase();
  const rest = m[2] ?? '';
  switch (scheme) {
    case 'udpin':
    case 'udpout':
    case 'tcpin':
    case 'tcpout':
      return parseNet(url, scheme, rest);
    case 'serial':
      return parseSerial(url, rest);
    default:
      return fail('bad_scheme', url, `unknown scheme "${scheme}"${schemeHint(scheme)}; accepted schemes are ${ACCEPTED_SCHEMES.join(', ')}`);
  }
}

function schemeHint(scheme: string): string {
  if (scheme === 'udp') return ' (say udpin:// to listen or udpout:// to send)';
  if (scheme === 'tcp') return ' (say tcpout:// to connect or tcpin:// to listen)';
  if (scheme === 'memory') return ' (memory links are created in code with memoryPair())';
  return '';
}

function parseNet(url: string, kind: NetScheme, rest: string): Parsed<NetLinkUrl> {
  if (/[/?#@\s]/.test(rest)) {
    return fail('bad_url', url, `expected only host:port after "${kind}://", found "${rest}"`);
  }
  let hostText: string;
  let portText: string | undefined;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) return fail('bad_host', url, 'IPv6 address is missing its closing "]"');
    hostText = rest.slice(1, close);
    const after = rest.slice(close + 1);
    if (after !== '' && !after.startsWith(':')) return fail('bad_url', url, `unexpected "${after}" after the IPv6 address`);
    portText = after === '' ? undefined : after.slice(1);
    if (!isIpv6(hostText)) return fail('bad_host', url, `"${hostText}" is not a valid IPv6 address`);
  } else {
    const colon = rest.lastIndexOf(':');
    if (colon >= 0 && rest.indexOf(':') !== colon) {
      return fail('bad_host', url, 'an IPv6 address must be written in brackets, e.g. [::1]:14550');
    }
    hostText = colon < 0 ? rest : rest.slice(0, colon);
    portText = colon < 0 ? undefined : rest.slice(colon + 1);
    if (hostText === '') return fail('bad_host', url, `missing host; write e.g. ${kind}://${kind.endsWith('in') ? '0.0.0.0' : '127.0.0.1'}:<port>`);
    const hostProblem = checkHost(hostText);
    if (hostProblem) return fail('bad_host', url, hostProblem);
  }
  if (portText === undefined || portText === '') return fail('bad_port', url, 'missing port; write host:port with a port from 1 to 65535');
  const port = parsePort(portText);
  if (port === undefined) return fail('bad_port', url, `invalid port "${portText}"; the port must be a whole number from 1 to 65535`);
  if ((kind === 'udpout' || kind === 'tcpout') && isAnyAddress(hostText)) {
    return fail('bad_host', url, `"${hostText}" means "any local address" and can only be listened on; give the address to ${kind === 'udpout' ? 'send' : 'connect'} to, e.g. 127.0.0.1`);
  }
  return ok({ kind, host: hostText, port });
}

function parseSerial(url: string, rest: string): Parsed<SerialLinkUrl> {
  if (rest === '') return fail('bad_path', url, 'missing device; write serial:///dev/ttyUSB0:57600 or serial://COM3:57600');
  if (/[\s?#]/.test(rest)) return fail('bad_path', url, `unexpected characters in the device "${rest}"`);
  let path = rest;
  let baud = DEFAULT_SERIAL_BAUD;
  // A trailing ":<token>" is the baud when the token is a plain word. Device paths such as
  // /dev/serial/by-path/pci-0000:00:14.0-usb-0:2:1.0-port0 contain colons, but their segments carry "." or "-".
  const colon = rest.lastIndexOf(':');
  const token = colon >= 0 ? rest.slice(colon + 1) : '';
  if (colon >= 0 && /^[A-Za-z0-9_+]*$/.test(token)) {
    path = rest.slice(0, colon);
    if (token === '') return fail('bad_baud', url, 'missing baud rate after ":"; write e.g. :57600 or leave it out for 57600');
    if (!/^\d+$/.test(token)) return fail('bad_baud', url, `invalid baud rate "${token}"; expected a whole number such as 57600 or 115200`);
    baud = Number(token);
    if (baud < MIN_SERIAL_BAUD || baud > MAX_SERIAL_BAUD) {
      return fail('bad_baud', url, `baud rate ${token} is out of range (${MIN_SERIAL_BAUD} to ${MAX_SERIAL_BAUD})`);
    }
  }
  if (path === '') return fail('bad_path', url, 'missing device before the baud rate');
  if (path.startsWith('/')) {
    if (path === '/' || path.endsWith('/')) return fail('bad_path', url, `"${path}" is a directory, not a serial device`);
    return ok({ kind: 'serial', path, baud });
  }
  if (/^COM[1-9]\d{0,2}$/i.test(path)) return ok({ kind: 'serial', path: path.toUpperCase(), baud });
  if (/^\\\\\.\\COM[1-9]\d{0,2}$/i.test(path)) return ok({ kind: 'serial', path, baud });
  return fail('bad_path', url, `"${path}" is not a serial device; give an absolute path (serial:///dev/ttyUSB0) or a Windows port (serial://COM3)`);
}

function parsePort(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const n = Number(text);
  return n >= 1 && n <= 65535 ? n : undefined;
}

function isAnyAddress(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || /^(0{1,4}:){7}0{1,4}$/.test(host);
}

/** Why `host` is not a usable IPv4 address or host name, or undefined when it is. */
function checkHost(host: string): string | undefined {
  if (/^[\d.]+$/.test(host)) {
    return isIpv4(host) ? undefined : `"${host}" is not a valid IPv4 address (four numbers 0-255 separated by dots)`;
  }
  if (host.length > 253) return `host name "${host.slice(0, 40)}…" is longer than 253 characters`;
  const label = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
  const labels = host.endsWith('.') ? host.slice(0, -1).split('.') : host.split('.');
  if (labels.every((l) => label.test(l))) return undefined;
  return `"${host}" is not a valid IPv4 address or host name`;
}

export function isIpv4(host: string): boolean {
  const parts = host.split('.');
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255 && (p === '0' || !p.startsWith('0')));
}

export function isIpv6(host: string): boolean {
  if (!/^[0-9A-Fa-f:.]+$/.test(host) || host.length < 2) return false;
  let rest = host;
  const groupsNeeded = 8;
  const lastColon = rest.lastIndexOf(':');
  const tail = rest.slice(lastColon + 1);
  if (tail.includes('.')) {
    if (!isIpv4(tail)) return false;
    rest = rest.slice(0, lastColon + 1) + '0:0';
  }
  const halves = rest.split('::');
  if (halves.length > 2) return false;
  const group = /^[0-9A-Fa-f]{1,4}$/;
  const split = (s: string): string[] | undefined => {
    if (s === '') return [];
    const g = s.split(':');
    return g.every((x) => group.test(x)) ? g : undefined;
  };
  const head = split(halves[0] ?? '');
  if (!head) return false;
  if (halves.length === 1) return head.length === groupsNeeded;
  const back = split(halves[1] ?? '');
  if (!back) return false;
  return head.length + back.length < groupsNeeded;
}

/** The canonical URL text for a parsed link (IPv6 hosts in brackets). */
export function formatLinkUrl(link: LinkUrl): string {
  if (link.kind === 'serial') return `serial://${link.path}:${link.baud}`;
  return `${link.kind}://${hostPort(link.host, link.port)}`;
}

/** "127.0.0.1:14550" or "[::1]:14550". */
export function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
