/**
 * TensorBoard event files written and read without TensorFlow, so
 * `--tensorboard` works on every engine (tfjs-node has its own writer, only
 * for its own engine).
 *
 * An event file is a TFRecord file: each record is
 *   uint64 LE length · uint32 LE masked CRC32C(length bytes) · data · uint32 LE masked CRC32C(data)
 * and each record's data is a serialized `tensorflow.Event` protobuf
 * (tensorflow/core/util/event.proto). The first event holds only
 * file_version "brain.Event:2"; later ones a step and a Summary of scalars.
 *
 * The protobuf is encoded by hand: only three messages (Event, Summary,
 * Summary.Value) and seven fields are involved, which a small varint and
 * length-delimited writer covers, where a protobuf library would add a
 * dependency and a schema-compilation step to every install. The reader
 * skips fields it does not know, so it reads TensorFlow's own files (which
 * add source_metadata, tensors and plugin data) too.
 */
import { constants } from 'node:fs';
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';

// ---- CRC32C (Castagnoli), as TFRecord framing uses it ----

/** The byte table of the reflected polynomial 0x82F63B78. */
const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC32C of `bytes` ("123456789" → 0xE3069283). */
export function crc32c(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = CRC32C_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/**
 * The CRC as TFRecord stores it: rotated right by 15 and offset, because a
 * CRC of data that itself holds CRCs is weak (leveldb's log format, which TFRecord copies).
 */
export function maskedCrc32c(bytes: Uint8Array): number {
  const crc = crc32c(bytes);
  return (((crc >>> 15) | (crc << 17)) + 0xa282ead8) >>> 0;
}

// ---- protobuf: just the wire types Event needs ----

const WIRE = { varint: 0, fixed64: 1, bytes: 2, fixed32: 5 } as const;

/** Appends protobuf fields to a growing list of byte chunks. */
class ProtoWriter {
  private readonly chunks: Uint8Array[] = [];

  private key(field: number, wire: number): void {
    this.rawVarint(BigInt((field << 3) | wire));
  }

  private rawVarint(value: bigint): void {
    const bytes: number[] = [];
    // int64 is written as its 64-bit two's complement, so a negative step takes 10 bytes, as protobuf does.
    let rest = BigInt.asUintN(64, value);
    do {
      const low = Number(rest & 0x7fn);
      rest >>= 7n;
      bytes.push(rest ? low | 0x80 : low);
    } while (rest);
    this.chunks.push(Uint8Array.from(bytes));
  }

  varint(field: number, value: number): this {
    this.key(field, WIRE.varint);
    this.rawVarint(BigInt(value));
    return this;
  }

  double(field: number, value: number): this {
    this.key(field, WIRE.fixed64);
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setFloat64(0, value, true);
    this.chunks.push(bytes);
    return this;
  }

  float(field: number, value: number): this {
    this.key(field, WIRE.fixed32);
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setFloat32(0, value, true);
    this.chunks.push(bytes);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.key(field, WIRE.bytes);
    this.rawVarint(BigInt(value.length));
    this.chunks.push(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  finish(): Uint8Array {
    return Buffer.concat(this.chunks);
  }
}

/** One field read from a protobuf message: its number, and its value as the wire type gives it. */
type ProtoField =
  | { field: number; wire: typeof WIRE.varint; value: bigint }
  | { field: number; wire: typeof WIRE.fixed64 | typeof WIRE.fixed32; value: DataView }
  | { field: number; wire: typeof WIRE.bytes; value: Uint8Array };

/** The fields of one message in order; throws on bytes that are not a message. */
function* protoFields(bytes: Uint8Array): Generator<ProtoField> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  const varint = (): bigint => {
    let value = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (at >= bytes.length) throw new Error('a varint runs past the end of the message');
      const byte = bytes[at++]!;
      value |= BigInt(byte & 0x7f) << shift;
      if (!(byte & 0x80)) return BigInt.asUintN(64, value);
    }
    throw new Error('a varint is longer than 10 bytes');
  };
  const take = (length: number): number => {
    if (length > bytes.length - at) throw new Error(`a field of ${length} bytes runs past the end of the message`);
    at += length;
    return at - length;
  };
  while (at < bytes.length) {
    const key = varint();
    const field = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (wire === WIRE.varint) yield { field, wire, value: varint() };
    else if (wire === WIRE.fixed64) yield { field, wire, value: new DataView(view.buffer, view.byteOffset + take(8), 8) };
    else if (wire === WIRE.fixed32) yield { field, wire, value: new DataView(view.buffer, view.byteOffset + take(4), 4) };
    else if (wire === WIRE.bytes) {
      const length = Number(varint());
      yield { field, wire, value: bytes.subarray(take(length), at) };
    } else throw new Error(`field ${field} has wire type ${wire}, which event files do not use`);
  }
}

// ---- tensorflow.Event ----

/** Field numbers of tensorflow.Event, Summary and Summary.Value (event.proto, summary.proto). */
const EVENT = { wallTime: 1, step: 2, fileVersion: 3, summary: 5 } as const;
const SUMMARY = { value: 1 } as const;
const VALUE = { tag: 1, simpleValue: 2 } as const;
export const FILE_VERSION = 'brain.Event:2';

/** One event as {@link readEventFile} returns it. Scalar values are float32, as TensorBoard stores them. */
export interface TensorBoardEvent {
  wallTime: number;
  step: number;
  fileVersion?: string;
  scalars: Array<{ tag: string; value: number }>;
}

function encodeEvent(wallTime: number, step: number, body: (event: ProtoWriter) => void): Uint8Array {
  const event = new ProtoWriter().double(EVENT.wallTime, wallTime);
  if (step !== 0) event.varint(EVENT.step, step); // proto3 leaves default values out
  body(event);
  return event.finish();
}

function encodeScalarEvent(tag: string, value: number, step: number, wallTime: number): Uint8Array {
  const summaryValue = new ProtoWriter().string(VALUE.tag, tag).float(VALUE.simpleValue, value).finish();
  const summary = new ProtoWriter().bytes(SUMMARY.value, summaryValue).finish();
  return encodeEvent(wallTime, step, (event) => event.bytes(EVENT.summary, summary));
}

function decodeEvent(data: Uint8Array): TensorBoardEvent {
  const event: TensorBoardEvent = { wallTime: 0, step: 0, scalars: [] };
  for (const f of protoFields(data)) {
    if (f.field === EVENT.wallTime && f.wire === WIRE.fixed64) event.wallTime = f.value.getFloat64(0, true);
    else if (f.field === EVENT.step && f.wire === WIRE.varint) event.step = Number(BigInt.asIntN(64, f.value));
    else if (f.field === EVENT.fileVersion && f.wire === WIRE.bytes) event.fileVersion = new TextDecoder().decode(f.value);
    else if (f.field === EVENT.summary && f.wire === WIRE.bytes) {
      for (const v of protoFields(f.value)) {
        if (v.field === SUMMARY.value && v.wire === WIRE.bytes) {
          const scalar = decodeSimpleValue(v.value);
          if (scalar) event.scalars.push(scalar);
        }
      }
    }
  }
  return event;
}

/** A Summary.Value's tag and simple_value; undefined for values of other kinds (images, histograms, tensors). */
function decodeSimpleValue(bytes: Uint8Array): { tag: string; value: number } | undefined {
  let tag = '';
  let value: number | undefined;
  for (const f of protoFields(bytes)) {
    if (f.field === VALUE.tag && f.wire === WIRE.bytes) tag = new TextDecoder().decode(f.value);
    else if (f.field === VALUE.simpleValue && f.wire === WIRE.fixed32) value = f.value.getFloat32(0, true);
  }
  return value === undefined ? undefined : { tag, value };
}

// ---- TFRecord framing ----

const HEADER_BYTES = 12;
const FOOTER_BYTES = 4;
/** Longest record the reader accepts: far above a scalar event (~40 bytes), far below what a corrupt length could ask to allocate. */
export const MAX_RECORD_BYTES = 16 * 2 ** 20;

function frameRecord(data: Uint8Array): Buffer {
  const record = Buffer.alloc(HEADER_BYTES + data.length + FOOTER_BYTES);
  record.writeBigUInt64LE(BigInt(data.length), 0);
  record.writeUInt32LE(maskedCrc32c(record.subarray(0, 8)), 8);
  record.set(data, HEADER_BYTES);
  record.writeUInt32LE(maskedCrc32c(data), HEADER_BYTES + data.length);
  return record;
}

/**
 * Every event of a TensorBoard event file, in order. Both CRCs of each record
 * are checked; a bad CRC, a record cut short or a length above
 * {@link MAX_RECORD_BYTES} is an error naming the file and the record's byte offset.
 */
export async function readEventFile(file: string): Promise<TensorBoardEvent[]> {
  const handle = await open(file, 'r');
  try {
    const size = (await handle.stat()).size;
    const events: TensorBoardEvent[] = [];
    const header = Buffer.alloc(HEADER_BYTES);
    for (let offset = 0; offset < size;) {
      const where = `${file}: record at byte ${offset}`;
      if (size - offset < HEADER_BYTES) throw new Error(`${where}: truncated (${size - offset} of the ${HEADER_BYTES} header bytes)`);
      await readExactly(handle, header, offset);
      if (header.readUInt32LE(8) !== maskedCrc32c(header.subarray(0, 8))) throw new Error(`${where}: the length's CRC does not match (corrupt file)`);
      const length = header.readBigUInt64LE(0);
      if (length > BigInt(MAX_RECORD_BYTES)) throw new Error(`${where}: length ${length} is over the ${MAX_RECORD_BYTES}-byte limit`);
      const bodyBytes = Number(length) + FOOTER_BYTES;
      if (size - offset - HEADER_BYTES < bodyBytes)
        throw new Error(`${where}: truncated (${size - offset - HEADER_BYTES} of ${bodyBytes} bytes after the header)`);
      const body = Buffer.alloc(bodyBytes);
      await readExactly(handle, body, offset + HEADER_BYTES);
      const data = body.subarray(0, Number(length));
      if (body.readUInt32LE(Number(length)) !== maskedCrc32c(data)) throw new Error(`${where}: the data's CRC does not match (corrupt file)`);
      try {
        events.push(decodeEvent(data));
      } catch (error) {
        throw new Error(`${where}: not a tensorflow.Event (${(error as Error).message})`);
      }
      offset += HEADER_BYTES + bodyBytes;
    }
    return events;
  } finally {
    await handle.close();
  }
}

async function readExactly(handle: FileHandle, into: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < into.length) {
    const { bytesRead } = await handle.read(into, done, into.length - done, position + done);
    if (bytesRead === 0) throw new Error(`unexpected end of file at byte ${position + done}`);
    done += bytesRead;
  }
}

// ---- the writer ----

/** The host name as a file-name part: TensorBoard only globs for "tfevents", so anything outside [A-Za-z0-9._-] becomes "_". */
function hostPart(): string {
  return hostname().replace(/[^A-Za-z0-9._-]/g, '_') || 'localhost';
}

/**
 * Appends scalar events to a new event file in `dir`, named as TensorFlow
 * names them, `events.out.tfevents.<unix seconds>.<host name>` (".1", ".2"…
 * added when that name is taken), so TensorBoard finds it:
 * `tensorboard --logdir <dir>`. Scalars are buffered until {@link flush}.
 */
export class TensorBoardWriter {
  private pending: Buffer[] = [];
  private writing: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(
    readonly file: string,
    private readonly handle: FileHandle,
  ) {}

  /** Creates the folder if needed and a fresh event file in it holding the file-version event. */
  static async open(dir: string): Promise<TensorBoardWriter> {
    await mkdir(dir, { recursive: true });
    const seconds = Math.floor(Date.now() / 1000);
    const base = join(dir, `events.out.tfevents.${seconds}.${hostPart()}`);
    for (let counter = 0; ; counter++) {
      const file = counter === 0 ? base : `${base}.${counter}`;
      // O_EXCL: never append to another writer's file; O_APPEND: each flush lands at the end whatever else happens.
      const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_APPEND | constants.O_NOFOLLOW;
      const handle = await open(file, flags, 0o644).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'EEXIST' && counter < 1000) return undefined;
        throw new Error(`${file}: cannot create the event file (${error.code ?? error.message})`);
      });
      if (!handle) continue;
      const writer = new TensorBoardWriter(file, handle);
      writer.pending.push(frameRecord(encodeEvent(Date.now() / 1000, 0, (event) => event.string(EVENT.fileVersion, FILE_VERSION))));
      await writer.flush();
      return writer;
    }
  }

  /** Queues one scalar (stored as float32) for step `step`; `wallTime` in seconds since 1970, default now. */
  scalar(tag: string, value: number, step: number, wallTime = Date.now() / 1000): void {
    if (this.closed) throw new Error(`${this.file}: the writer is closed`);
    if (typeof tag !== 'string' || tag === '') throw new Error('a scalar needs a non-empty tag');
    if (typeof value !== 'number') throw new Error(`scalar '${tag}': value must be a number, got ${typeof value}`);
    if (!Number.isSafeInteger(step)) throw new Error(`scalar '${tag}': step must be an integer, got ${step}`);
    if (!Number.isFinite(wallTime)) throw new Error(`scalar '${tag}': wall time must be finite, got ${wallTime}`);
    this.pending.push(frameRecord(encodeScalarEvent(tag, value, step, wallTime)));
  }

  /** Writes the queued events; flushes run one after another so records keep their order. */
  flush(): Promise<void> {
    const records = this.pending;
    this.pending = [];
    const write = this.writing.then(async () => {
      if (records.length > 0) await this.handle.write(Buffer.concat(records));
    });
    // A failed write is reported to this caller; later flushes still run.
    this.writing = write.catch(() => undefined);
    return write;
  }

  /** Flushes and closes the file; later scalars are errors. Closing twice is harmless. */
  async close(): Promise<void> {
    if (this.closed) return this.writing;
    this.closed = true;
    try {
      await this.flush();
    } finally {
      await this.handle.close();
    }
  }
}
