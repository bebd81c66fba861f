import { readdir, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { temporaryFolder } from '@alexnet/test-support';
import { describeEachEngine } from '@alexnet/test-support/engines';
import { crc32c, FILE_VERSION, maskedCrc32c, MAX_RECORD_BYTES, readEventFile, TensorBoardWriter } from './tensorboard-events.js';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('crc32c', () => {
  it('matches the Castagnoli check values', () => {
    expect(crc32c(bytes('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(0))).toBe(0);
    // RFC 3720 (iSCSI) B.4: 32 bytes of zeros, of 0xff.
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
  });

  it('masks as TFRecord does', () => {
    const crc = 0xe3069283;
    expect(maskedCrc32c(bytes('123456789'))).toBe((((crc >>> 15) | (crc << 17)) + 0xa282ead8) >>> 0);
  });
});

/** A writer's file with scalars for steps 0–2 in it. */
async function writtenFile(): Promise<string> {
  const writer = await TensorBoardWriter.open(await temporaryFolder('tb'));
  for (let step = 0; step < 3; step++) {
    writer.scalar('loss', 2.5 - step, step, 1000 + step);
    writer.scalar('error/top1', 0.1 * step, step, 1000 + step);
  }
  await writer.close();
  return writer.file;
}

describe('TensorBoardWriter / readEventFile', () => {
  it('round-trips scalars after the file-version event', async () => {
    const events = await readEventFile(await writtenFile());
    expect(events[0]).toMatchObject({ fileVersion: FILE_VERSION, step: 0, scalars: [] });
    expect(events[0]!.wallTime).toBeGreaterThan(1.7e9);
    expect(events.slice(1)).toEqual(
      [0, 1, 2].flatMap((step) => [
        { wallTime: 1000 + step, step, scalars: [{ tag: 'loss', value: 2.5 - step }] },
        // Stored as float32, as TensorBoard keeps scalars.
        { wallTime: 1000 + step, step, scalars: [{ tag: 'error/top1', value: Math.fround(0.1 * step) }] },
      ]),
    );
  });

  it('appends on each flush and keeps large and negative steps', async () => {
    const writer = await TensorBoardWriter.open(await temporaryFolder('tb'));
    writer.scalar('a', 1, 2 ** 40);
    await writer.flush();
    const afterFirst = (await stat(writer.file)).size;
    writer.scalar('a', 2, -3);
    writer.scalar('a', Number.NaN, 7);
    await writer.close();
    expect((await stat(writer.file)).size).toBeGreaterThan(afterFirst);
    const events = await readEventFile(writer.file);
    expect(events.slice(1).map((e) => [e.step, e.scalars[0]!.value])).toEqual([
      [2 ** 40, 1],
      [-3, 2],
      [7, Number.NaN],
    ]);
    expect(() => writer.scalar('a', 1, 1)).toThrow(/closed/);
    await writer.close(); // twice is harmless
  });

  it('refuses bad scalars', async () => {
    const writer = await TensorBoardWriter.open(await temporaryFolder('tb'));
    expect(() => writer.scalar('', 1, 1)).toThrow(/non-empty tag/);
    expect(() => writer.scalar('x', 1, 1.5)).toThrow(/step must be an integer/);
    await writer.close();
  });

  it('names files as TensorFlow does, with a counter when the name is taken', async () => {
    const dir = join(await temporaryFolder('tb'), 'new', 'run');
    const [first, second] = [await TensorBoardWriter.open(dir), await TensorBoardWriter.open(dir)];
    await Promise.all([first.close(), second.close()]);
    expect(basename(first.file)).toMatch(/^events\.out\.tfevents\.\d{10}\.[A-Za-z0-9._-]+$/);
    const seconds = Number(basename(first.file).split('.')[3]);
    expect(Math.abs(seconds - Date.now() / 1000)).toBeLessThan(60);
    // Same second, same folder: the second file gets ".1"; across a second boundary, its own time.
    expect(second.file === `${first.file}.1` || basename(second.file) !== basename(first.file)).toBe(true);
    expect((await readdir(dir)).length).toBe(2);
  });

  it('detects a corrupted byte, naming the file and the record', async () => {
    const file = await writtenFile();
    const original = await readFile(file);
    const firstLength = Number(original.readBigUInt64LE(0));
    const second = 12 + firstLength + 4;

    const badData = Buffer.from(original);
    badData[second + 12 + 3]! ^= 0x01;
    await writeFile(file, badData);
    await expect(readEventFile(file)).rejects.toThrow(`${file}: record at byte ${second}: the data's CRC does not match`);

    const badLength = Buffer.from(original);
    badLength[second]! ^= 0x40;
    await writeFile(file, badLength);
    await expect(readEventFile(file)).rejects.toThrow(`${file}: record at byte ${second}: the length's CRC does not match`);
  });

  it('detects a truncated file and an oversized length before reading it', async () => {
    const file = await writtenFile();
    const size = (await stat(file)).size;
    await truncate(file, size - 2);
    await expect(readEventFile(file)).rejects.toThrow(new RegExp(`${file.replace(/[.]/g, '\\.')}: record at byte \\d+: truncated`));
    await truncate(file, 5);
    await expect(readEventFile(file)).rejects.toThrow(`${file}: record at byte 0: truncated (5 of the 12 header bytes)`);

    // A length of 1 GiB with a valid CRC: refused, not allocated.
    const header = Buffer.alloc(12);
    header.writeBigUInt64LE(2n ** 30n, 0);
    header.writeUInt32LE(maskedCrc32c(header.subarray(0, 8)), 8);
    await writeFile(file, header);
    await expect(readEventFile(file)).rejects.toThrow(`record at byte 0: length ${2 ** 30} is over the ${MAX_RECORD_BYTES}-byte limit`);
  });
});

/** The bytes of a TFRecord file's second record (the first is the file-version event, which TensorFlow extends with source metadata). */
function secondRecord(file: Buffer): Buffer {
  const start = 12 + Number(file.readBigUInt64LE(0)) + 4;
  return file.subarray(start, start + 12 + Number(file.readBigUInt64LE(start)) + 4);
}

// TensorFlow's own writer, through tfjs-node: our reader parsing its file shows our format is TensorFlow's.
describeEachEngine(
  'readEventFile on a file from TensorFlow',
  () => {
    it("reads tfjs-node's summaryFileWriter output", async () => {
      // By a variable name: tfjs-node is optional, so its types may be absent where this file is type-checked.
      const pkg = '@tensorflow/tfjs-node';
      const { node } = (await import(pkg)) as {
        node: { summaryFileWriter(dir: string): { scalar(tag: string, value: number, step: number): void; flush(): void } };
      };
      const dir = await temporaryFolder('tb-tf');
      const writer = node.summaryFileWriter(dir);
      writer.scalar('loss', 0.5, 3);
      writer.flush();
      const [name] = (await readdir(dir)).filter((f) => f.includes('tfevents'));
      expect(name).toBeDefined();
      const events = await readEventFile(join(dir, name!));
      expect(events[0]!.fileVersion).toBe(FILE_VERSION);
      expect(events.flatMap((e) => e.scalars.map((s) => ({ ...s, step: e.step })))).toEqual([{ tag: 'loss', value: 0.5, step: 3 }]);

      // And the other way: our record for the same scalar and wall time is TensorFlow's, byte for byte (framing and CRCs included).
      const ours = await TensorBoardWriter.open(await temporaryFolder('tb-ours'));
      ours.scalar('loss', 0.5, 3, events[1]!.wallTime);
      await ours.close();
      expect(secondRecord(await readFile(join(dir, name!)))).toEqual(secondRecord(await readFile(ours.file)));
    });
  },
  ['node'],
);
