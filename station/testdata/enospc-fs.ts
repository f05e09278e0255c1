/**
 * A file system for the recorder that is a disk of `capacity` bytes: node:fs underneath, but a write that
 * goes past the capacity writes what fits and returns that count (as the kernel does), the next write throws
 * ENOSPC; truncating or `space(n)` gives room back. `readOnly` makes every open throw EROFS. So the storage
 * fault tests run without root and fail where a real full disk would.
 */
import * as fs from 'node:fs';
import type { RecorderFs } from '../storage/recorder.js';

const errno = (code: string, text: string, syscall: string) => Object.assign(new Error(`${code}: ${text}, ${syscall}`), { code, syscall });

export class EnospcFs implements RecorderFs {
  used = 0;
  writes = 0;
  failures = 0;
  readOnly = false;

  constructor(public capacity: number) {}

  /** Free space returns: the disk can hold `bytes` more than it holds now. */
  space(bytes: number): void {
    this.capacity = this.used + bytes;
  }

  openSync(path: string, flags: 'a'): number {
    if (this.readOnly) {
      this.failures++;
      throw errno('EROFS', 'read-only file system', `open '${path}'`);
    }
    return fs.openSync(path, flags);
  }
  writeSync(fd: number, buf: Uint8Array, offset: number, length: number): number {
    this.writes++;
    const room = this.capacity - this.used;
    if (room <= 0) {
      this.failures++;
      throw errno('ENOSPC', 'no space left on device', 'write');
    }
    const n = fs.writeSync(fd, buf, offset, Math.min(length, room));
    this.used += n;
    return n;
  }
  ftruncateSync(fd: number, len: number): void {
    const before = fs.fstatSync(fd).size;
    fs.ftruncateSync(fd, len);
    this.used -= before - len;
  }
  fstatSync(fd: number): { size: number } {
    return fs.fstatSync(fd);
  }
  fdatasyncSync(fd: number): void {
    fs.fdatasyncSync(fd);
  }
  closeSync(fd: number): void {
    fs.closeSync(fd);
  }
  existsSync(path: string): boolean {
    return fs.existsSync(path);
  }
}
