// Minimal NBD client (fixed-newstyle handshake, NBD_OPT_GO with NBD_OPT_EXPORT_NAME fallback,
// NBD_CMD_WRITE with FUA, NBD_CMD_FLUSH, NBD_CMD_DISC) over a unix socket — just what the host
// writer of the storage-daemon drill needs. Simple replies only: we never ask for structured ones.
import { createConnection, type Socket } from 'node:net';
import { withTimeout } from '../lib/wait-until';

const NBDMAGIC = 0x4e42444d41474943n;
const IHAVEOPT = 0x49484156454f5054n;
const OPTION_REPLY_MAGIC = 0x0003e889045565a9n;
const REQUEST_MAGIC = 0x25609513;
const SIMPLE_REPLY_MAGIC = 0x67446698;

const FLAG_FIXED_NEWSTYLE = 1;
const FLAG_NO_ZEROES = 2;
const OPT_EXPORT_NAME = 1;
const OPT_GO = 7;
const REP_ACK = 1;
const REP_INFO = 3;
const REP_ERR_UNSUP = 0x80000001;
const INFO_EXPORT = 0;
const TRANSMISSION_READ_ONLY = 2;
const TRANSMISSION_SEND_FUA = 8;
const CMD_WRITE = 1;
const CMD_DISC = 2;
const CMD_FLUSH = 3;
const CMD_FLAG_FUA = 1;

/** Buffers socket data so the protocol code can `await read(n)` exact byte counts. */
class ByteReader {
  private buffered = Buffer.alloc(0);
  private waiter?: { bytes: number; resolve: (data: Buffer) => void; reject: (error: Error) => void };
  private failure?: Error;

  constructor(socket: Socket) {
    socket.on('data', (data: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, data]);
      this.settle();
    });
    const fail = (error: Error) => {
      this.failure ??= error;
      this.waiter?.reject(this.failure);
      this.waiter = undefined;
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('NBD connection closed')));
  }

  read(bytes: number): Promise<Buffer> {
    if (this.waiter) throw new Error('ByteReader supports one reader at a time');
    return new Promise((resolve, reject) => {
      this.waiter = { bytes, resolve, reject };
      this.settle();
    });
  }

  private settle(): void {
    if (!this.waiter) return;
    if (this.buffered.length >= this.waiter.bytes) {
      const { bytes, resolve } = this.waiter;
      this.waiter = undefined;
      const data = this.buffered.subarray(0, bytes);
      this.buffered = this.buffered.subarray(bytes);
      resolve(data);
    } else if (this.failure) {
      this.waiter.reject(this.failure);
      this.waiter = undefined;
    }
  }
}

export class NbdClient {
  private nextHandle = 1n;
  /** One request at a time keeps every write individually acknowledged before the next. */
  private busy = false;

  private constructor(
    private readonly socket: Socket,
    private readonly reader: ByteReader,
    readonly exportSize: bigint,
    readonly transmissionFlags: number,
  ) {}

  get supportsFua(): boolean {
    return (this.transmissionFlags & TRANSMISSION_SEND_FUA) !== 0;
  }

  static async connect(socketPath: string, exportName: string, timeoutMs = 10_000): Promise<NbdClient> {
    const socket = createConnection(socketPath);
    try {
      return await withTimeout(NbdClient.handshake(socket, exportName), timeoutMs, `NBD handshake on ${socketPath}`);
    } catch (error) {
      socket.destroy();
      throw error;
    }
  }

  private static async handshake(socket: Socket, exportName: string): Promise<NbdClient> {
    const reader = new ByteReader(socket);
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));

    const greeting = await reader.read(18);
    if (greeting.readBigUInt64BE(0) !== NBDMAGIC || greeting.readBigUInt64BE(8) !== IHAVEOPT)
      throw new Error('not a fixed-newstyle NBD server');
    const serverFlags = greeting.readUInt16BE(16);
    if (!(serverFlags & FLAG_FIXED_NEWSTYLE)) throw new Error('NBD server lacks fixed newstyle');
    const noZeroes = (serverFlags & FLAG_NO_ZEROES) !== 0;
    socket.write(u32(FLAG_FIXED_NEWSTYLE | (noZeroes ? FLAG_NO_ZEROES : 0)));

    const name = Buffer.from(exportName, 'utf8');
    socket.write(optionHeader(OPT_GO, 4 + name.length + 2));
    socket.write(Buffer.concat([u32(name.length), name, u16(0)]));
    // NBD_OPT_GO answers with NBD_REP_INFO replies and ends with NBD_REP_ACK.
    let exportInfo: { size: bigint; flags: number } | undefined;
    for (;;) {
      const header = await reader.read(20);
      if (header.readBigUInt64BE(0) !== OPTION_REPLY_MAGIC) throw new Error('bad NBD option reply magic');
      const type = header.readUInt32BE(12);
      const payload = await reader.read(header.readUInt32BE(16));
      if (type === REP_INFO && payload.readUInt16BE(0) === INFO_EXPORT)
        exportInfo = { size: payload.readBigUInt64BE(2), flags: payload.readUInt16BE(10) };
      else if (type === REP_ACK) {
        if (!exportInfo) throw new Error('NBD_OPT_GO acknowledged without NBD_INFO_EXPORT');
        return new NbdClient(socket, reader, exportInfo.size, exportInfo.flags);
      } else if (type === REP_ERR_UNSUP)
        break; // old server: fall back to NBD_OPT_EXPORT_NAME
      else if (type & 0x80000000)
        throw new Error(`NBD_OPT_GO refused (reply type 0x${type.toString(16)}): ${payload.toString('utf8')}`);
    }
    socket.write(Buffer.concat([optionHeader(OPT_EXPORT_NAME, name.length), name]));
    const reply = await reader.read(10 + (noZeroes ? 0 : 124));
    return new NbdClient(socket, reader, reply.readBigUInt64BE(0), reply.readUInt16BE(8));
  }

  /** Writes and waits for the server's acknowledgement; with `fua` the data is durable on ack. */
  async write(offset: number, data: Buffer, { fua = true } = {}): Promise<void> {
    if (this.transmissionFlags & TRANSMISSION_READ_ONLY) throw new Error('NBD export is read-only');
    if (fua && !this.supportsFua) {
      await this.request(CMD_WRITE, 0, offset, data);
      return this.flush();
    }
    return this.request(CMD_WRITE, fua ? CMD_FLAG_FUA : 0, offset, data);
  }

  flush(): Promise<void> {
    return this.request(CMD_FLUSH, 0, 0, Buffer.alloc(0));
  }

  /** NBD_CMD_DISC has no reply: send it and close our side. */
  async disconnect(): Promise<void> {
    this.socket.end(requestHeader(CMD_DISC, 0, this.nextHandle++, 0, 0));
    await new Promise<void>((resolve) => (this.socket.closed ? resolve() : this.socket.once('close', () => resolve())));
  }

  private async request(command: number, flags: number, offset: number, data: Buffer): Promise<void> {
    if (this.busy) throw new Error('NbdClient: one request at a time');
    this.busy = true;
    try {
      const handle = this.nextHandle++;
      const length = command === CMD_WRITE ? data.length : 0;
      this.socket.write(
        command === CMD_WRITE
          ? Buffer.concat([requestHeader(command, flags, handle, offset, length), data])
          : requestHeader(command, flags, handle, offset, length),
      );
      const reply = await this.reader.read(16);
      if (reply.readUInt32BE(0) !== SIMPLE_REPLY_MAGIC) throw new Error('bad NBD reply magic');
      if (reply.readBigUInt64BE(8) !== handle) throw new Error('NBD reply for an unexpected handle');
      const error = reply.readUInt32BE(4);
      if (error !== 0) throw new Error(`NBD command ${command} at offset ${offset} failed with errno ${error}`);
    } finally {
      this.busy = false;
    }
  }
}

function requestHeader(command: number, flags: number, handle: bigint, offset: number, length: number): Buffer {
  const header = Buffer.alloc(28);
  header.writeUInt32BE(REQUEST_MAGIC, 0);
  header.writeUInt16BE(flags, 4);
  header.writeUInt16BE(command, 6);
  header.writeBigUInt64BE(handle, 8);
  header.writeBigUInt64BE(BigInt(offset), 16);
  header.writeUInt32BE(length, 24);
  return header;
}

function optionHeader(option: number, length: number): Buffer {
  const header = Buffer.alloc(16);
  header.writeBigUInt64BE(IHAVEOPT, 0);
  header.writeUInt32BE(option, 8);
  header.writeUInt32BE(length, 12);
  return header;
}

const u32 = (value: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(value);
  return b;
};
const u16 = (value: number) => {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(value);
  return b;
};
