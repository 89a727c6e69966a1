import { describe, expect, it } from 'vitest';
import { parseAuxvPageSize } from '../../../../collectors/procfs/auxv.js';
import { ParseError } from '../../../../collectors/read.js';
import { fixtureBytes } from '../../../helpers/fixtures.js';

describe('parseAuxvPageSize', () => {
  const captured = fixtureBytes('procfs/auxv-x86_64');

  it('reads AT_PAGESZ from a captured x86_64 auxiliary vector: 4096, as getconf PAGESIZE said', () => {
    expect(parseAuxvPageSize(captured)).toBe(4096);
  });

  it('reads a big-endian vector (s390x, ppc64) the same', () => {
    const be = Buffer.alloc(captured.length);
    for (let o = 0; o < captured.length; o += 8) be.writeBigUInt64BE(captured.readBigUInt64LE(o), o);
    expect(parseAuxvPageSize(be)).toBe(4096);
  });

  it('finds a 64 KiB page among other entries', () => {
    const v = Buffer.alloc(48);
    v.writeBigUInt64LE(33n, 0); // AT_SYSINFO_EHDR
    v.writeBigUInt64LE(0x7fff0000n, 8);
    v.writeBigUInt64LE(6n, 16);
    v.writeBigUInt64LE(65536n, 24);
    expect(parseAuxvPageSize(v)).toBe(65536);
  });

  it('refuses a truncated vector, one without AT_PAGESZ before AT_NULL, and a page size no kernel uses', () => {
    expect(() => parseAuxvPageSize(captured.subarray(0, 20))).toThrow(ParseError);
    expect(() => parseAuxvPageSize(Buffer.alloc(0))).toThrow(ParseError);
    const early = Buffer.alloc(32); // AT_NULL first, then AT_PAGESZ
    early.writeBigUInt64LE(6n, 16);
    early.writeBigUInt64LE(4096n, 24);
    expect(() => parseAuxvPageSize(early)).toThrow(/no AT_PAGESZ/);
    const odd = Buffer.alloc(16);
    odd.writeBigUInt64LE(6n, 0);
    odd.writeBigUInt64LE(3000n, 8);
    expect(() => parseAuxvPageSize(odd)).toThrow(ParseError);
  });
});
