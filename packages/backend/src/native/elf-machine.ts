import { open } from 'node:fs/promises';

/** ELF e_machine values for the architectures TensorFlow ships, by Node's `process.arch` name. */
const MACHINES: Record<number, string> = { 0x3e: 'x64', 0xb7: 'arm64', 0x28: 'arm', 0x15: 'ppc64', 0x16: 's390x' };

/**
 * The architecture a shared library was built for, from its ELF header
 * (`process.arch` names), or null when the file is not a 64/32-bit ELF object.
 */
export async function elfMachine(file: string): Promise<string | null> {
  const handle = await open(file, 'r');
  try {
    const header = Buffer.alloc(20);
    const { bytesRead } = await handle.read(header, 0, 20, 0);
    if (bytesRead < 20 || header.readUInt32BE(0) !== 0x7f454c46) return null;
    const littleEndian = header[5] === 1;
    const machine = littleEndian ? header.readUInt16LE(18) : header.readUInt16BE(18);
    return MACHINES[machine] ?? `ELF machine 0x${machine.toString(16)}`;
  } finally {
    await handle.close();
  }
}
