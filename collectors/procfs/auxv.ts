/**
 * /proc/<pid>/auxv — the ELF auxiliary vector the kernel gave the process at exec (getauxval(3)):
 * (type, value) pairs of native words, little- or big-endian as the machine, ending with
 * AT_NULL. AT_PAGESZ (6) is the kernel's page size (fs/binfmt_elf.c create_elf_tables).
 */
import { ParseError } from '../read.js';

const AT_NULL = 0n;
const AT_PAGESZ = 6n;

/** The page size in bytes, from a 64-bit auxiliary vector of either byte order. */
export function parseAuxvPageSize(bytes: Buffer): number {
  if (bytes.length === 0 || bytes.length % 16 !== 0) throw new ParseError('expected (type, value) pairs of 64-bit words', `${bytes.length} bytes`);
  for (const read of [(o: number) => bytes.readBigUInt64LE(o), (o: number) => bytes.readBigUInt64BE(o)]) {
    for (let o = 0; o < bytes.length; o += 16) {
      const type = read(o);
      if (type === AT_NULL) break;
      if (type !== AT_PAGESZ) continue;
      const size = Number(read(o + 8));
      // A page is a power of two from 4 KiB (x86, most arm64) to 64 KiB (arm64, ppc64).
      if (size >= 4096 && size <= 65536 && (size & (size - 1)) === 0) return size;
      break;
    }
  }
  throw new ParseError('no AT_PAGESZ entry', `${bytes.length} bytes`);
}
