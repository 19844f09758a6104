/**
 * A test-only ZIP reader, written from PKWARE's APPNOTE.TXT rather than borrowed from the library
 * that writes our ZIPs, so the tests check the archive against the format and not against itself.
 * It reads what a bundle holds: stored entries found through the central directory (ZIP64 records
 * included), and checks each entry's local header, CRC-32 and data descriptor on the way.
 */

export interface ZipEntry {
  name: string;
  /** General purpose flags; bit 11 says the name is UTF-8 (APPNOTE 4.4.4). */
  flags: number;
  method: number;
  crc32: number;
  size: number;
  localHeaderOffset: number;
  data: Uint8Array;
}

const SIG = {
  local: 0x04034b50,
  central: 0x02014b50,
  end: 0x06054b50,
  zip64End: 0x06064b50,
  zip64Locator: 0x07064b50,
  descriptor: 0x08074b50,
} as const;
const MAX32 = 0xffffffff;

export function readZip(bytes: Uint8Array): ZipEntry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (offset: number) => view.getUint16(offset, true);
  const u32 = (offset: number) => view.getUint32(offset, true);
  const u64 = (offset: number) => Number(view.getBigUint64(offset, true));
  const expectSignature = (offset: number, signature: number, what: string) => {
    if (u32(offset) !== signature) throw new Error(`no ${what} signature at byte ${offset}`);
  };

  // The end of central directory record has no comment here, so it is the last 22 bytes.
  const end = bytes.byteLength - 22;
  expectSignature(end, SIG.end, "end of central directory");
  let count = u16(end + 10);
  let directoryOffset = u32(end + 16);
  if (directoryOffset === MAX32 || count === 0xffff) {
    // APPNOTE 4.3.15: the ZIP64 locator sits just before the classic record.
    expectSignature(end - 20, SIG.zip64Locator, "ZIP64 end of central directory locator");
    const zip64End = u64(end - 20 + 8);
    expectSignature(zip64End, SIG.zip64End, "ZIP64 end of central directory");
    count = u64(zip64End + 32);
    directoryOffset = u64(zip64End + 48);
  }

  const entries: ZipEntry[] = [];
  let at = directoryOffset;
  for (let index = 0; index < count; index += 1) {
    expectSignature(at, SIG.central, "central directory header");
    const flags = u16(at + 8);
    const method = u16(at + 10);
    const crc32 = u32(at + 16);
    let size = u32(at + 24);
    const nameLength = u16(at + 28);
    const extraLength = u16(at + 30);
    const commentLength = u16(at + 32);
    let localHeaderOffset = u32(at + 42);
    const name = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(
      bytes.subarray(at + 46, at + 46 + nameLength),
    );

    // APPNOTE 4.5.3: the ZIP64 extra field holds, in order, only the values that overflowed.
    for (let extra = at + 46 + nameLength; extra < at + 46 + nameLength + extraLength; ) {
      const tag = u16(extra);
      const length = u16(extra + 2);
      if (tag === 0x0001) {
        let field = extra + 4;
        if (size === MAX32) {
          size = u64(field); // uncompressed
          field += 16; // and compressed, equal for stored entries
        }
        if (localHeaderOffset === MAX32) localHeaderOffset = u64(field);
      }
      extra += 4 + length;
    }

    expectSignature(localHeaderOffset, SIG.local, `local header of ${name}`);
    const localNameLength = u16(localHeaderOffset + 26);
    const localExtraLength = u16(localHeaderOffset + 28);
    const dataStart = localHeaderOffset + 30 + localNameLength + localExtraLength;
    const data = bytes.subarray(dataStart, dataStart + size);
    if (data.byteLength !== size) throw new Error(`${name} runs past the end of the archive`);
    if (crc32Of(data) !== crc32) throw new Error(`${name} fails its CRC-32`);
    // Bit 3: sizes and CRC follow the data in a data descriptor (APPNOTE 4.3.9).
    if (flags & 0x0008) {
      expectSignature(dataStart + size, SIG.descriptor, `data descriptor of ${name}`);
      if (u32(dataStart + size + 4) !== crc32) throw new Error(`${name}: descriptor CRC differs`);
    }

    entries.push({ name, flags, method, crc32, size, localHeaderOffset, data });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, byte) => {
  let crc = byte;
  for (let bit = 0; bit < 8; bit += 1) crc = crc & 1 ? 0xedb88320 ^ (crc >>> 1) : crc >>> 1;
  return crc >>> 0;
});

export function crc32Of(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = (CRC_TABLE[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
