/**
 * A read-only walker for bbolt database files, the format of podman's `libpod/bolt_state.db`
 * (podman ≤ 4.x default; 5.x defaults to SQLite `db.sql`). Only what the libpod state needs:
 * find a bucket by path and list its keys, values and child buckets. No locking: bbolt writes
 * copy-on-write and switches between two meta pages, so a file read while podman commits is
 * either the old or the new tree; a torn read fails a bounds or checksum check and becomes a
 * ParseError, never a crash.
 *
 * Layout (etcd-io/bbolt page.go, node.go, bucket.go, db.go):
 *  - every page starts with a 16-byte header: id u64, flags u16 (0x01 branch, 0x02 leaf,
 *    0x04 meta, 0x10 freelist), count u16, overflow u32 (extra pages it spans);
 *  - pages 0 and 1 are metas: magic 0xED0CDAED, version 2, pageSize u32, flags u32, root bucket
 *    {root pgid u64, sequence u64}, freelist u64, pgid u64, txid u64, checksum u64 = FNV-1a-64 of
 *    the 56 bytes before it; the valid meta with the higher txid is current;
 *  - branch elements (16 bytes): pos u32, ksize u32, child pgid u64;
 *    leaf elements (16 bytes): flags u32 (0x01 = the value is a bucket), pos u32, ksize u32,
 *    vsize u32; `pos` is relative to the element itself;
 *  - a bucket value is {root pgid u64, sequence u64}; root 0 means an inline bucket whose leaf
 *    page follows those 16 bytes inside the value.
 * All integers are little-endian (bbolt writes native order; every platform podman ships on is LE).
 */
import { ParseError } from '../read.js';

const PAGE_HEADER = 16;
const ELEMENT = 16;
const BRANCH = 0x01;
const LEAF = 0x02;
const META = 0x04;
const BUCKET_LEAF = 0x01;
const MAGIC = 0xed0cdaed;

export interface BoltDb {
  readonly bytes: Uint8Array;
  readonly pageSize: number;
  readonly root: BoltBucketRef;
}

/** Where a bucket's tree lives: a page of the file, or a page inlined in its parent's value. */
export type BoltBucketRef = { readonly page: number } | { readonly inline: Uint8Array };

export interface BoltEntry {
  readonly key: Uint8Array;
  /** The value, or null when the entry is a child bucket (then `bucket` is set). */
  readonly value: Uint8Array | null;
  readonly bucket: BoltBucketRef | null;
}

const view = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);

function u64(dv: DataView, at: number, what: string): number {
  const v = dv.getBigUint64(at, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ParseError(`bolt: ${what} out of range`);
  return Number(v);
}

function fnv1a64(b: Uint8Array): bigint {
  let h = 0xcbf29ce484222325n;
  for (const x of b) h = BigInt.asUintN(64, (h ^ BigInt(x)) * 0x100000001b3n);
  return h;
}

interface Meta {
  readonly pageSize: number;
  readonly root: number;
  readonly txid: number;
}

function readMeta(bytes: Uint8Array, offset: number): Meta | null {
  if (offset + PAGE_HEADER + 64 > bytes.length) return null;
  const dv = view(bytes);
  if ((dv.getUint16(offset + 8, true) & META) === 0) return null;
  const m = offset + PAGE_HEADER;
  if (dv.getUint32(m, true) !== MAGIC || dv.getUint32(m + 4, true) !== 2) return null;
  if (fnv1a64(bytes.subarray(m, m + 56)) !== dv.getBigUint64(m + 56, true)) return null;
  return { pageSize: dv.getUint32(m + 8, true), root: u64(dv, m + 16, 'root page'), txid: u64(dv, m + 48, 'txid') };
}

/** Open a bbolt file's bytes: pick the current meta page. */
export function parseBoltDb(bytes: Uint8Array): BoltDb {
  const m0 = readMeta(bytes, 0);
  // Meta 1 sits one page in; if meta 0 is torn its page size is unknown, so try the usual sizes.
  const sizes = m0 ? [m0.pageSize] : [4096, 16384, 65536];
  let m1: Meta | null = null;
  for (const s of sizes) if ((m1 = readMeta(bytes, s)) !== null) break;
  const meta = m0 && m1 ? (m1.txid > m0.txid ? m1 : m0) : (m0 ?? m1);
  if (!meta) throw new ParseError('bolt: no valid meta page (not a bbolt file, or torn while written)');
  if (meta.pageSize < 512 || meta.pageSize > 1 << 20) throw new ParseError(`bolt: page size ${meta.pageSize}`);
  return { bytes, pageSize: meta.pageSize, root: { page: meta.root } };
}

/** Every key of a bucket, in key order, with values or child-bucket references. */
export function boltEntries(db: BoltDb, ref: BoltBucketRef): BoltEntry[] {
  const out: BoltEntry[] = [];
  const seen = new Set<number>();
  const walk = (buf: Uint8Array, base: number): void => {
    if (base + PAGE_HEADER > buf.length) throw new ParseError('bolt: page beyond end of file');
    const dv = view(buf);
    const flags = dv.getUint16(base + 8, true);
    const count = dv.getUint16(base + 10, true);
    const elems = base + PAGE_HEADER;
    if (elems + count * ELEMENT > buf.length) throw new ParseError('bolt: page elements beyond end of file');
    for (let i = 0; i < count; i++) {
      const e = elems + i * ELEMENT;
      if (flags & BRANCH) {
        const child = u64(dv, e + 8, 'child page');
        if (seen.has(child)) throw new ParseError(`bolt: page ${child} reached twice`);
        seen.add(child);
        walk(db.bytes, child * db.pageSize);
      } else if (flags & LEAF) {
        const eflags = dv.getUint32(e, true);
        const k = e + dv.getUint32(e + 4, true);
        const ksize = dv.getUint32(e + 8, true);
        const vsize = dv.getUint32(e + 12, true);
        if (k + ksize + vsize > buf.length) throw new ParseError('bolt: leaf element beyond end of page');
        const key = buf.subarray(k, k + ksize);
        const value = buf.subarray(k + ksize, k + ksize + vsize);
        if (eflags & BUCKET_LEAF) {
          if (value.length < 16) throw new ParseError('bolt: bucket header too short');
          const root = u64(view(value), 0, 'bucket root');
          out.push({ key, value: null, bucket: root === 0 ? { inline: value.subarray(16) } : { page: root } });
        } else {
          out.push({ key, value, bucket: null });
        }
      } else {
        throw new ParseError(`bolt: unexpected page flags 0x${flags.toString(16)}`);
      }
    }
  };
  if ('inline' in ref) walk(ref.inline, 0);
  else {
    seen.add(ref.page);
    walk(db.bytes, ref.page * db.pageSize);
  }
  return out;
}

const utf8 = new TextDecoder();
export const boltText = (b: Uint8Array): string => utf8.decode(b);

/** The bucket at a path of bucket names from the root, or null if any step is missing. */
export function boltBucket(db: BoltDb, ...path: string[]): BoltBucketRef | null {
  let ref: BoltBucketRef = db.root;
  for (const name of path) {
    const e = boltEntries(db, ref).find((x) => x.bucket !== null && boltText(x.key) === name);
    if (!e?.bucket) return null;
    ref = e.bucket;
  }
  return ref;
}

/** What a written bucket holds: keys to values, or to child buckets. */
export type BoltContent = ReadonlyMap<string, Uint8Array | BoltContent>;

const FREELIST = 0x10;
const WRITE_PAGE_SIZE = 4096;

/**
 * A new bbolt file holding exactly `content`, in the layout described above, for `ctrscope
 * snapshot` to record what ctrscope reads from an engine's database instead of the database
 * itself. Every bucket gets a leaf page of its own (spanning overflow pages when large), keys in
 * byte order; page 2 is an empty freelist and both metas name the same tree (txid 1 and 2), so
 * bbolt itself opens the file too.
 */
export function writeBoltDb(content: BoltContent): Buffer {
  const pages: Buffer[] = [];
  const enc = new TextEncoder();
  let next = 3;
  const writeBucket = (bucket: BoltContent): number => {
    const items = [...bucket].map(([k, v]) => ({ key: enc.encode(k), v })).sort((a, b) => Buffer.compare(a.key, b.key));
    const values = items.map(({ v }) => {
      if (v instanceof Uint8Array) return { flags: 0, bytes: v };
      const header = Buffer.alloc(16);
      header.writeBigUInt64LE(BigInt(writeBucket(v)), 0);
      return { flags: BUCKET_LEAF, bytes: header };
    });
    if (items.length > 0xffff) throw new RangeError('bolt: more than 65535 keys in one bucket');
    const size = PAGE_HEADER + items.length * ELEMENT + items.reduce((n, it, i) => n + it.key.length + (values[i] as { bytes: Uint8Array }).bytes.length, 0);
    const span = Math.ceil(size / WRITE_PAGE_SIZE);
    const page = Buffer.alloc(span * WRITE_PAGE_SIZE);
    const id = next;
    next += span;
    page.writeBigUInt64LE(BigInt(id), 0);
    page.writeUInt16LE(LEAF, 8);
    page.writeUInt16LE(items.length, 10);
    page.writeUInt32LE(span - 1, 12);
    let data = PAGE_HEADER + items.length * ELEMENT;
    items.forEach(({ key }, i) => {
      const { flags, bytes } = values[i] as { flags: number; bytes: Uint8Array };
      const e = PAGE_HEADER + i * ELEMENT;
      page.writeUInt32LE(flags, e);
      page.writeUInt32LE(data - e, e + 4);
      page.writeUInt32LE(key.length, e + 8);
      page.writeUInt32LE(bytes.length, e + 12);
      page.set(key, data);
      page.set(bytes, data + key.length);
      data += key.length + bytes.length;
    });
    pages[id] = page;
    return id;
  };
  const root = writeBucket(content);
  const freelist = Buffer.alloc(WRITE_PAGE_SIZE);
  freelist.writeBigUInt64LE(2n, 0);
  freelist.writeUInt16LE(FREELIST, 8);
  pages[2] = freelist;
  for (const [id, txid] of [
    [0, 1],
    [1, 2],
  ] as const) {
    const meta = Buffer.alloc(WRITE_PAGE_SIZE);
    meta.writeBigUInt64LE(BigInt(id), 0);
    meta.writeUInt16LE(META, 8);
    const m = PAGE_HEADER;
    meta.writeUInt32LE(MAGIC, m);
    meta.writeUInt32LE(2, m + 4);
    meta.writeUInt32LE(WRITE_PAGE_SIZE, m + 8);
    meta.writeBigUInt64LE(BigInt(root), m + 16);
    meta.writeBigUInt64LE(2n, m + 32);
    meta.writeBigUInt64LE(BigInt(next), m + 40);
    meta.writeBigUInt64LE(BigInt(txid), m + 48);
    meta.writeBigUInt64LE(fnv1a64(meta.subarray(m, m + 56)), m + 56);
    pages[id] = meta;
  }
  return Buffer.concat(pages.filter((p): p is Buffer => p !== undefined));
}
