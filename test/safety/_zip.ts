import { constants, crc32, deflateRawSync, gzipSync } from 'node:zlib';

/**
 * A zip writer for hostile archives. Real tools refuse to write `../` names, lying sizes or
 * overlapping entries, so the tests lay out the local headers, central directory and end record
 * themselves (APPNOTE.TXT 4.3.7, 4.3.12, 4.3.16).
 */
export interface ZipSpec {
  /** The name as stored; `bytes` lets a test store GBK or any raw name. */
  name: string | Uint8Array;
  /** The entry's data as stored (already deflated when method is 8). */
  data: Uint8Array;
  method?: 0 | 8;
  /** Declared sizes and CRC; default: the true ones of `plain`. */
  uncompressedSize?: number;
  crc?: number;
  /** The uncompressed content, to compute the true size and CRC from. */
  plain?: Uint8Array;
  /** General purpose flags: bit 0 encrypted, bit 11 UTF-8 name. */
  flags?: number;
}

/** A stored or deflated entry from plain content, sizes and CRC true. */
export function entry(name: string | Uint8Array, plain: Uint8Array | string, method: 0 | 8 = 8): ZipSpec {
  const bytes = typeof plain === 'string' ? Buffer.from(plain, 'utf8') : plain;
  return { name, data: method === 8 ? deflateRawSync(bytes) : bytes, method, plain: bytes, flags: typeof name === 'string' ? 0x800 : 0 };
}

export function buildZip(entries: readonly ZipSpec[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = typeof e.name === 'string' ? Buffer.from(e.name, 'utf8') : Buffer.from(e.name);
    const size = e.uncompressedSize ?? e.plain?.length ?? e.data.length;
    const crc = e.crc ?? (e.plain ? crc32(e.plain) : 0);
    const method = e.method ?? 8;
    const flags = e.flags ?? 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc >>> 0, 14);
    local.writeUInt32LE(e.data.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc >>> 0, 16);
    central.writeUInt32LE(e.data.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, Buffer.from(e.data));
    centrals.push(central, name);
    offset += 30 + name.length + e.data.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/**
 * A raw deflate stream that inflates to `blocks` × `blockBytes` zeros, built in milliseconds:
 * one block of zeros deflated with a full flush (byte-aligned, no back-reference across it) is
 * repeated, then closed by an empty final block. 4 MiB of zeros deflate to about 4 KB, so a
 * stream of 3 GiB is about 3 MB.
 */
export function zeroBomb(blocks: number, blockBytes = 4 * 1024 * 1024): Buffer {
  const block = deflateRawSync(Buffer.alloc(blockBytes), { finishFlush: constants.Z_FULL_FLUSH });
  const last = deflateRawSync(Buffer.alloc(0));
  return Buffer.concat([...Array.from({ length: blocks }, () => block), last]);
}

/** A gzip member around a raw deflate stream (RFC 1952); the trailer's CRC is not checked before the size limit bites. */
export function gzipOf(deflated: Buffer, size: number): Buffer {
  const header = gzipSync(Buffer.alloc(0)).subarray(0, 10);
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(0, 0);
  trailer.writeUInt32LE(size >>> 0, 4);
  return Buffer.concat([header, deflated, trailer]);
}
