/** parseLinkUrl: every accepted form, and a clear error for every malformed one. */
import { describe, expect, it } from 'vitest';
import { formatLinkUrl, parseLinkUrl, type LinkUrl, type LinkUrlError } from './url.js';

describe('parseLinkUrl accepts', () => {
  const good: Array<[string, LinkUrl]> = [
    ['udpin://0.0.0.0:14550', { kind: 'udpin', host: '0.0.0.0', port: 14550 }],
    ['udpin://127.0.0.1:1', { kind: 'udpin', host: '127.0.0.1', port: 1 }],
    ['udpout://127.0.0.1:14550', { kind: 'udpout', host: '127.0.0.1', port: 14550 }],
    ['udpout://192.168.4.1:65535', { kind: 'udpout', host: '192.168.4.1', port: 65535 }],
    ['tcpout://127.0.0.1:5760', { kind: 'tcpout', host: '127.0.0.1', port: 5760 }],
    ['tcpout://sitl.local:5760', { kind: 'tcpout', host: 'sitl.local', port: 5760 }],
    ['tcpout://localhost:5760', { kind: 'tcpout', host: 'localhost', port: 5760 }],
    ['tcpin://0.0.0.0:5760', { kind: 'tcpin', host: '0.0.0.0', port: 5760 }],
    ['tcpin://[::]:5760', { kind: 'tcpin', host: '::', port: 5760 }],
    ['udpout://[::1]:14550', { kind: 'udpout', host: '::1', port: 14550 }],
    ['udpout://[fe80::1:2]:14550', { kind: 'udpout', host: 'fe80::1:2', port: 14550 }],
    ['udpout://[::ffff:10.0.0.1]:14550', { kind: 'udpout', host: '::ffff:10.0.0.1', port: 14550 }],
    ['UDPIN://0.0.0.0:14550', { kind: 'udpin', host: '0.0.0.0', port: 14550 }],
    ['  udpin://0.0.0.0:14550  ', { kind: 'udpin', host: '0.0.0.0', port: 14550 }],
    ['serial:///dev/ttyUSB0:57600', { kind: 'serial', path: '/dev/ttyUSB0', baud: 57600 }],
    ['serial:///dev/ttyACM0:115200', { kind: 'serial', path: '/dev/ttyACM0', baud: 115200 }],
    ['serial:///dev/ttyUSB0', { kind: 'serial', path: '/dev/ttyUSB0', baud: 57600 }],
    ['serial://COM3:57600', { kind: 'serial', path: 'COM3', baud: 57600 }],
    ['serial://com12:921600', { kind: 'serial', path: 'COM12', baud: 921600 }],
    ['serial://COM3', { kind: 'serial', path: 'COM3', baud: 57600 }],
    ['serial:///tmp/kongxun-pty/a:57600', { kind: 'serial', path: '/tmp/kongxun-pty/a', baud: 57600 }],
    [
      'serial:///dev/serial/by-path/pci-0000:00:14.0-usb-0:2:1.0-port0',
      { kind: 'serial', path: '/dev/serial/by-path/pci-0000:00:14.0-usb-0:2:1.0-port0', baud: 57600 },
    ],
    [
      'serial:///dev/serial/by-path/pci-0000:00:14.0-usb-0:2:1.0-port0:115200',
      { kind: 'serial', path: '/dev/serial/by-path/pci-0000:00:14.0-usb-0:2:1.0-port0', baud: 115200 },
    ],
    [
      'serial:///dev/serial/by-id/usb-3D_Robotics_PX4_FMU_v2.x_0-if00:115200',
      { kind: 'serial', path: '/dev/serial/by-id/usb-3D_Robotics_PX4_FMU_v2.x_0-if00', baud: 115200 },
    ],
  ];
  it.each(good)('%s', (url, expected) => {
    expect(parseLinkUrl(url)).toEqual({ ok: true, value: expected });
  });
});

describe('parseLinkUrl rejects', () => {
  const bad: Array<[string, LinkUrlError, RegExp]> = [
    ['', 'bad_url', /empty/],
    ['127.0.0.1:14550', 'bad_url', /scheme:\/\/address/],
    ['udpin:0.0.0.0:14550', 'bad_url', /scheme:\/\/address/],
    ['http://127.0.0.1:80', 'bad_scheme', /unknown scheme "http".*udpin, udpout, tcpin, tcpout, serial/],
    ['udp://:14550', 'bad_scheme', /unknown scheme "udp" \(say udpin:\/\/ to listen or udpout:\/\/ to send\)/],
    ['tcp://127.0.0.1:5760', 'bad_scheme', /unknown scheme "tcp" \(say tcpout/],
    ['memory://a', 'bad_scheme', /memoryPair/],
    ['udpin://0.0.0.0', 'bad_port', /missing port/],
    ['udpin://0.0.0.0:', 'bad_port', /missing port/],
    ['udpin://0.0.0.0:0', 'bad_port', /invalid port "0".*1 to 65535/],
    ['udpin://0.0.0.0:65536', 'bad_port', /invalid port "65536"/],
    ['udpin://0.0.0.0:-1', 'bad_port', /invalid port "-1"/],
    ['tcpout://127.0.0.1:57a0', 'bad_port', /invalid port "57a0"/],
    ['tcpout://127.0.0.1:999999', 'bad_port', /invalid port/],
    ['udpin://:14550', 'bad_host', /missing host/],
    ['udpout://256.1.1.1:14550', 'bad_host', /"256.1.1.1" is not a valid IPv4 address/],
    ['udpout://1.2.3:14550', 'bad_host', /not a valid IPv4 address/],
    ['udpout://01.2.3.4:14550', 'bad_host', /not a valid IPv4 address/],
    ['udpout://bad_host!:14550', 'bad_host', /not a valid IPv4 address or host name/],
    ['udpout://-leading.dash:14550', 'bad_host', /not a valid/],
    ['udpout://::1:14550', 'bad_host', /IPv6 address must be written in brackets/],
    ['udpout://[::1:14550', 'bad_host', /closing "\]"/],
    ['udpout://[zz::1]:14550', 'bad_host', /not a valid IPv6 address/],
    ['udpout://[1:2:3:4:5:6:7:8:9]:14550', 'bad_host', /not a valid IPv6 address/],
    ['udpout://0.0.0.0:14550', 'bad_host', /any local address.*can only be listened on/],
    ['tcpout://[::]:5760', 'bad_host', /any local address/],
    ['tcpout://127.0.0.1:5760/path', 'bad_url', /only host:port/],
    ['tcpout://user@127.0.0.1:5760', 'bad_url', /only host:port/],
    ['serial://', 'bad_path', /missing device/],
    ['serial:///dev/ttyUSB0:abc', 'bad_baud', /invalid baud rate "abc"/],
    ['serial:///dev/ttyUSB0:', 'bad_baud', /missing baud rate/],
    ['serial:///dev/ttyUSB0:0', 'bad_baud', /baud rate 0 is out of range/],
    ['serial:///dev/ttyUSB0:99999999', 'bad_baud', /out of range/],
    ['serial://COM3:fast', 'bad_baud', /invalid baud rate "fast"/],
    ['serial://dev/ttyUSB0:57600', 'bad_path', /not a serial device.*absolute path/],
    ['serial://COM0:57600', 'bad_path', /not a serial device/],
    ['serial:///dev/:57600', 'bad_path', /is a directory/],
    ['serial://:57600', 'bad_path', /missing device/],
  ];
  it.each(bad)('%j → %s', (url, code, reason) => {
    const r = parseLinkUrl(url);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.code).toBe(code);
    expect(r.reason).toMatch(reason);
    expect(r.reason).toContain(`"${url}"`); // the message names the URL it is about
  });
});

describe('formatLinkUrl', () => {
  it.each([
    'udpin://0.0.0.0:14550',
    'udpout://[::1]:14550',
    'tcpin://0.0.0.0:5760',
    'tcpout://127.0.0.1:5760',
    'serial:///dev/ttyUSB0:57600',
    'serial://COM3:115200',
  ])('round-trips %s', (url) => {
    const r = parseLinkUrl(url);
    expect(r.ok && formatLinkUrl(r.value)).toBe(url);
  });
});
