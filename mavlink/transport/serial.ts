/**
 * Serial transport on the `serialport` package (telemetry radios, USB to a flight controller).
 * The package is imported lazily inside open(), so a machine without its native binding can still use
 * UDP and TCP. A device that is not there yet at the first open (the radio is plugged in after the station
 * started) is waited for: open() resolves ok, the transport reports `reconnecting` with the reason ("… was
 * not found … is the radio or flight controller plugged in?") and keeps trying with backoff, as tcpout does
 * for a server that is not up yet (`waitForDevice: false` makes it an error value instead). Any other first
 * failure (busy, no permission, bad baud rate) is an error value: it will not fix itself. Once open, if the
 * device goes away (USB unplugged, radio power-cycled, socat restarted) the transport reports
 * `disconnected` and reopens it with exponential backoff on the injected Clock until it comes back.
 *
 * "Goes away" is seen two ways: the port's own close (the read fails), and the device node itself, looked at
 * every second — its path gone or now another device (an adapter unplugged and another plugged in). The port's
 * close alone was once not delivered for a pty whose other end had gone (a CI run waited 15 s for it), and a
 * transport that never hears of the loss never reopens.
 */
import { statSync } from 'node:fs';
import type { SerialPort } from 'serialport';
import type { Clock, TimerId } from '../../common/clock.js';
import { err, ok, type Result } from '../../common/result.js';
import { errnoCode, errorText, openError } from './errors.js';
import { Reconnector, type BackoffOptions } from './reconnect.js';
import type { PeerId, Transport, TransportEvents } from './types.js';

export interface SerialEndpoint {
  path: string;
  baud: number;
}

export interface SerialOptions {
  backoff?: BackoffOptions;
  /** Bytes allowed to queue for the device before sends are refused. Default 64 KiB (≈11 s at 57600 baud). */
  maxBufferedBytes?: number;
  /** A device missing at the first open is waited for (default) rather than reported as an error. */
  waitForDevice?: boolean;
}

type SerialPortModule = typeof import('serialport');

let serialportModule: Promise<SerialPortModule> | undefined;

/** Load `serialport` once; a failure is not cached so a later open can try again. */
function loadSerialport(): Promise<SerialPortModule> {
  serialportModule ??= import('serialport').catch((e: unknown) => {
    serialportModule = undefined;
    throw e;
  });
  return serialportModule;
}

export function serialPeerId(path: string): PeerId {
  return `serial:${path}`;
}

export class SerialTransport implements Transport {
  readonly kind = 'serial' as const;
  private readonly peer: PeerId;
  private readonly reconnector: Reconnector;
  private readonly maxBuffered: number;
  private readonly waitForDevice: boolean;
  private events: TransportEvents | undefined;
  private port: SerialPort | undefined;
  private opening = false;
  /** Bumped by close(), so an open still awaiting the device knows it was cancelled. */
  private generation = 0;
  /** The look at the device node while the port is open. */
  private watch: TimerId | undefined;

  constructor(
    readonly url: string,
    private readonly endpoint: SerialEndpoint,
    private readonly clock: Clock,
    opts: SerialOptions = {},
  ) {
    this.peer = serialPeerId(endpoint.path);
    this.maxBuffered = opts.maxBufferedBytes ?? 64 * 1024;
    this.waitForDevice = opts.waitForDevice ?? true;
    this.reconnector = new Reconnector(clock, opts.backoff, () => void this.reopen(), (s) => this.events?.onStatus(s));
  }

  async open(events: TransportEvents): Promise<Result<void>> {
    if (this.events || this.opening) return err('already_open', `${this.url}: already open`);
    this.opening = true;
    const generation = this.generation;
    events.onStatus({ state: 'opening' });
    const opened = await this.openPort();
    this.opening = false;
    if (generation !== this.generation) {
      if ('port' in opened) await closePort(opened.port);
      return err('open_failed', `${this.url}: closed before it finished opening`);
    }
    if ('failure' in opened) {
      if (this.waitForDevice && !opened.failure.ok && opened.failure.code === 'not_found') {
        this.events = events;
        this.reconnector.schedule(opened.failure.reason);
        return ok(undefined);
      }
      events.onStatus({ state: 'error', reason: opened.failure.reason });
      return opened.failure;
    }
    this.events = events;
    this.attach(opened.port);
    return ok(undefined);
  }

  send(bytes: Uint8Array, peer?: PeerId): boolean {
    const port = this.port;
    if (!port || !port.isOpen || (peer !== undefined && peer !== this.peer)) return false;
    if (port.writableLength > this.maxBuffered) return false;
    port.write(Buffer.from(bytes));
    return true;
  }

  peers(): PeerId[] {
    return this.port ? [this.peer] : [];
  }

  async close(): Promise<void> {
    const events = this.events;
    const port = this.port;
    this.generation += 1;
    this.opening = false;
    this.events = undefined;
    this.port = undefined;
    this.stopWatch();
    this.reconnector.stop();
    if (port) await closePort(port);
    events?.onStatus({ state: 'closed' });
  }

  /** Create and open the port; never rejects. */
  private async openPort(): Promise<{ port: SerialPort } | { failure: { ok: false; code: string; reason: string } }> {
    let mod: SerialPortModule;
    try {
      mod = await loadSerialport();
    } catch (e) {
      return { failure: err('unsupported', `${this.url}: serial ports are unavailable on this machine (the serialport native binding did not load): ${errorText(e)}`) };
    }
    const { path, baud } = this.endpoint;
    let port: SerialPort;
    try {
      port = new mod.SerialPort({ path, baudRate: baud, autoOpen: false });
    } catch (e) {
      return { failure: openError(this.url, `serial device ${path}`, e) };
    }
    // Always listen for errors, so nothing the device does can throw out of the event loop.
    port.on('error', () => undefined);
    const failure = await new Promise<unknown>((resolve) => {
      try {
        port.open((e) => resolve(e ?? undefined));
      } catch (e) {
        resolve(e);
      }
    });
    if (failure !== undefined) {
      const f = openError(this.url, `serial device ${path} at ${baud} baud`, failure);
      return { failure: errnoCode(failure) === 'ENOENT' ? { ...f, reason: `${f.reason} (is the radio or flight controller plugged in?)` } : f };
    }
    return { port };
  }

  private attach(port: SerialPort): void {
    this.port = port;
    let lastError: unknown;
    port.on('error', (e: unknown) => {
      lastError = e;
    });
    port.on('data', (chunk: Buffer) => {
      if (port === this.port) this.events?.onData(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength), this.peer, false);
    });
    port.on('close', (e: unknown) => {
      if (port !== this.port) return; // closed by close(), or already found lost
      const cause = e ?? lastError;
      this.lost(port, cause !== undefined && cause !== null ? `${this.endpoint.path}: ${errorText(cause)}` : `${this.endpoint.path} closed`);
    });
    const path = this.endpoint.path;
    const device = deviceOf(path);
    this.stopWatch();
    this.watch = this.clock.setInterval(() => {
      if (port !== this.port) return;
      const now = deviceOf(path);
      if (now !== device) this.lost(port, now === undefined ? `${path} is gone` : `${path} is another device now`);
    }, DEVICE_LOOK_MS);
    this.events?.onStatus({ state: 'connected', peer: this.peer });
  }

  /** The open port is no longer the device's: said, let go of, and reopened with backoff. */
  private lost(port: SerialPort, reason: string): void {
    if (port !== this.port) return;
    this.port = undefined;
    this.stopWatch();
    void closePort(port);
    this.events?.onStatus({ state: 'disconnected', peer: this.peer, reason: `device lost: ${reason}` });
    this.reconnector.schedule(reason);
  }

  private stopWatch(): void {
    if (this.watch !== undefined) this.clock.clearInterval(this.watch);
    this.watch = undefined;
  }

  /** One reconnect attempt, armed by the Reconnector. */
  private async reopen(): Promise<void> {
    if (!this.events || this.port) return;
    const generation = this.generation;
    const opened = await this.openPort();
    if (generation !== this.generation || !this.events) {
      if ('port' in opened) await closePort(opened.port);
      return;
    }
    if ('failure' in opened) {
      this.reconnector.schedule(opened.failure.reason);
      return;
    }
    this.reconnector.succeeded();
    this.attach(opened.port);
  }
}

/** How often an open port's device node is looked at. */
const DEVICE_LOOK_MS = 1000;

/** The device a path names now (its device number and inode, through a link), or undefined when it is gone. */
function deviceOf(path: string): string | undefined {
  try {
    const st = statSync(path, { throwIfNoEntry: false });
    return st ? `${st.dev}:${st.ino}:${st.rdev}` : undefined;
  } catch {
    return undefined;
  }
}

function closePort(port: SerialPort): Promise<void> {
  return new Promise((resolve) => {
    if (!port.isOpen) {
      resolve();
      return;
    }
    try {
      port.close(() => resolve());
    } catch {
      resolve();
    }
  });
}
