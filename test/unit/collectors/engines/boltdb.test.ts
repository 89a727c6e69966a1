/**
 * The bbolt walker and libpod's state on a database podman 4.3.1 wrote on this project's
 * machine (samples/podman-bolt-4.3): pod "web-pod" with its infra container and two members,
 * plus one container outside any pod. Expected ids and names are what `podman ps -a --pod` and
 * `podman pod inspect` printed for that store when it was recorded (see the sample README).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { boltBucket, boltEntries, boltText, parseBoltDb } from '../../../../collectors/engines/boltdb.js';
import { parseLibpodBoltState } from '../../../../collectors/engines/podman.js';
import { ParseError } from '../../../../collectors/read.js';

const bytes = readFileSync(join(import.meta.dirname, '../../../../samples/podman-bolt-4.3/bolt_state.db'));
const POD = '9c33dcfa2a1d73413e2b98083932f284334d8385af0da376f7850cccd600d031';
const INFRA = 'd406cc74a88936092e468f8d2174c74227718d312283f0fcbbec907c14aafe93';
const APP = '9b073b4a8b3df9be4de0f74f0d6b8b5105b128fa14c8d51c4e09133269599baf';
const SIDECAR = '67d63ef72f1c8737f7441c21c283a1723d5157f865db1891a5a84cfe8d67f31d';
const SOLO = '037ba5e394d372b8ee6dcf618587babfc4a03f470ee5bcc02a9f5e9bbb3f55c0';

/** A copy of the sample with the bytes at these offsets flipped. */
function tornAt(...offsets: number[]): Buffer {
  const b = Buffer.from(bytes);
  for (const o of offsets) b[o] = (b[o] as number) ^ 0xff;
  return b;
}

describe('bbolt walker', () => {
  it("lists libpod's top-level buckets", () => {
    const db = parseBoltDb(bytes);
    expect(db.pageSize).toBe(4096);
    const top = boltEntries(db, db.root);
    expect(top.every((e) => e.bucket !== null)).toBe(true);
    expect(top.map((e) => boltText(e.key))).toEqual(expect.arrayContaining(['allPods', 'ctr', 'id-registry', 'name-registry', 'pod']));
  });

  it('reads the id registry: every container and pod id with its name', () => {
    const db = parseBoltDb(bytes);
    const reg = boltBucket(db, 'id-registry');
    const names = new Map(boltEntries(db, reg as NonNullable<typeof reg>).map((e) => [boltText(e.key), e.value ? boltText(e.value) : null]));
    expect(names).toEqual(
      new Map([
        [SOLO, 'solo'],
        [SIDECAR, 'sidecar'],
        [APP, 'app'],
        [POD, 'web-pod'],
        [INFRA, '9c33dcfa2a1d-infra'],
      ]),
    );
    expect(boltBucket(db, 'no-such-bucket')).toBeNull();
  });

  it('falls back to the second meta page when the first is torn', () => {
    const db = parseBoltDb(tornAt(16 + 20)); // inside meta 0, so its checksum fails
    expect(boltEntries(db, db.root).length).toBeGreaterThan(0);
  });

  it.each([
    ['empty', Buffer.alloc(0)],
    ['not bolt', Buffer.from('SQLite format 3\0'.padEnd(8192, '\0'))],
    ['both metas torn', tornAt(16 + 20, 4096 + 16 + 20)],
  ])('refuses %s with a ParseError', (_, b) => {
    expect(() => parseBoltDb(b)).toThrow(ParseError);
  });

  it('refuses a file cut short with a ParseError, not a crash', () => {
    expect(() => {
      const db = parseBoltDb(bytes.subarray(0, 3 * 4096));
      boltEntries(db, boltBucket(db, 'ctr') ?? db.root);
    }).toThrow(ParseError);
  });
});

describe('libpod state', () => {
  it('names the pod and marks its infra container; the solo container has no pod', () => {
    const s = parseLibpodBoltState(bytes);
    expect(s.pods).toEqual(new Map([[POD, 'web-pod']]));
    expect(s.containers.get(INFRA)).toEqual({ name: '9c33dcfa2a1d-infra', podId: POD, infra: true });
    expect(s.containers.get(APP)).toEqual({ name: 'app', podId: POD, infra: false });
    expect(s.containers.get(SIDECAR)).toEqual({ name: 'sidecar', podId: POD, infra: false });
    expect(s.containers.get(SOLO)).toEqual({ name: 'solo', podId: null, infra: false });
    expect(s.containers.size).toBe(4);
  });
});
