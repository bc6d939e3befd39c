/**
 * serialport's Linux binding, with one change: a hung-up port reads as a disconnect.
 *
 * When a USB-serial adapter is unplugged (the usb-serial driver hangs the tty up) or the other side
 * of a pseudo-terminal closes, read(2) on the port returns 0 bytes from then on. bindings-cpp 13
 * answers a 0-byte read by reading again at once, forever: a thread-pool thread spins and the
 * stream never learns the device is gone, so the reader never reconnects (seen on socat ptys in
 * about 1 unplug out of 15, the other 14 got EIO first). The port is opened raw and non-blocking
 * (VMIN=1): with no data a read fails with EAGAIN, so 0 bytes can only mean end of file — hang-up.
 * This read reports it as a disconnect error, which makes @serialport/stream close the port with
 * a DisconnectedError; everything else is the stock binding.
 */
import { read } from 'node:fs';
import { promisify } from 'node:util';
import {
  type BindingInterface,
  type BindingPortInterface,
  LinuxBinding,
  type LinuxOpenOptions,
  type LinuxPortBinding,
  type LinuxSetOptions,
  type PortInfo,
  type UpdateOptions,
} from '@serialport/bindings-cpp';

const readAsync = promisify(read);

/** The error a read fails with once the port is hung up. */
export class PortHungUpError extends Error {
  /** Tells @serialport/stream this is a disconnect, not a cancellation. */
  readonly disconnect = true;
  readonly code = 'EHANGUP';
  constructor(path: string) {
    super(`${path}: the port was hung up (device unplugged or its other end closed)`);
    this.name = 'PortHungUpError';
  }
}

function canceled(message: string): Error {
  return Object.assign(new Error(message), { canceled: true });
}

type ReadFn = (fd: number, buffer: Buffer, offset: number, length: number, position: null) => Promise<{ bytesRead: number }>;

/**
 * Reads at least one byte, waiting for the poller while the port has none; a 0-byte read throws
 * PortHungUpError. `fsRead` is injectable so the hang-up path is tested without a kernel race.
 */
export async function readUntilData(
  port: LinuxPortBinding,
  buffer: Buffer,
  offset: number,
  length: number,
  fsRead: ReadFn = readAsync,
): Promise<{ buffer: Buffer; bytesRead: number }> {
  for (;;) {
    const fd = port.fd;
    if (!port.isOpen || fd === null) throw canceled('Port is not open');
    let bytesRead: number;
    try {
      ({ bytesRead } = await fsRead(fd, buffer, offset, length, null));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'EAGAIN' && code !== 'EWOULDBLOCK' && code !== 'EINTR') throw e;
      if (!port.isOpen) throw canceled('Port is not open');
      await new Promise<void>((resolve, reject) => port.poller.once('readable', (err?: Error | null) => (err ? reject(err) : resolve())));
      continue;
    }
    if (bytesRead === 0) throw new PortHungUpError(port.openOptions.path);
    return { buffer, bytesRead };
  }
}

/** A LinuxPortBinding whose read() sees hang-ups; every other call is the stock one. */
class HangupAwarePort implements BindingPortInterface {
  constructor(private readonly inner: LinuxPortBinding) {}
  get openOptions() {
    return this.inner.openOptions;
  }
  get isOpen() {
    return this.inner.isOpen;
  }
  read(buffer: Buffer, offset: number, length: number) {
    if (buffer.length < offset + length) return Promise.reject(new Error('buffer is too small'));
    return readUntilData(this.inner, buffer, offset, length);
  }
  close() {
    return this.inner.close();
  }
  write(buffer: Buffer) {
    return this.inner.write(buffer);
  }
  update(options: UpdateOptions) {
    return this.inner.update(options);
  }
  set(options: LinuxSetOptions) {
    return this.inner.set(options);
  }
  get() {
    return this.inner.get();
  }
  getBaudRate() {
    return this.inner.getBaudRate();
  }
  flush() {
    return this.inner.flush();
  }
  drain() {
    return this.inner.drain();
  }
}

export const HangupAwareLinuxBinding: BindingInterface<HangupAwarePort, LinuxOpenOptions> = {
  async open(options: LinuxOpenOptions) {
    return new HangupAwarePort(await LinuxBinding.open(options));
  },
  list(): Promise<PortInfo[]> {
    return LinuxBinding.list();
  },
};
