/**
 * writeJsonInPieces and `ps --json`'s writer: the same bytes as JSON.stringify(doc, null, 2) + '\n'
 * of the whole document, whatever the array holds, on made-up documents and on every recorded
 * host under samples/.
 */
import { describe, expect, it } from 'vitest';
import { openHostRoot } from '../../../../collectors/host-root.js';
import { createObserver } from '../../../../src/observe/observer.js';
import { psToJson, writePsJson } from '../../../../views/json/container.js';
import { writeJsonInPieces } from '../../../../views/json/pieces.js';

function pieces<T>(head: Record<string, unknown>, key: string, items: readonly T[], toJson: (t: T) => unknown): { text: string; writes: number } {
  const out: string[] = [];
  writeJsonInPieces(head, key, items, toJson, (s) => out.push(s));
  return { text: out.join(''), writes: out.length };
}

const whole = (doc: unknown): string => JSON.stringify(doc, null, 2) + '\n';

describe('writeJsonInPieces', () => {
  const cases: Array<[string, Record<string, unknown>, unknown[]]> = [
    ['no items', { a: 1, items: null, b: [1, 2] }, []],
    ['first key', { items: null, z: 'x' }, [{ p: 1 }]],
    ['last key', { z: { y: [] }, items: null }, [{ p: 1 }, { q: [1, { r: null }] }]],
    ['only key', { items: null }, [1, 'two', null, [], {}, [[3]], { s: 'a\nb "items": []' }]],
    // The key's own text elsewhere: inside a string, and as a deeper key.
    ['decoys', { note: '\n  "items": []', deep: { items: [] }, items: null, tail: true }, [{ items: [] }, '\n  "items": []']],
    ['unicode and escapes', { 'ключ': 'ü\u2028\t', items: null }, [{ 'é': '\u0000😀' }]],
  ];
  for (const [name, head, items] of cases) {
    it(`${name}: the bytes of the whole document`, () => {
      expect(pieces(head, 'items', items, (x) => x).text).toBe(whole({ ...head, items }));
    });
  }

  it('undefined and toJSON elements as JSON.stringify writes them in an array', () => {
    const items = [undefined, () => 1, { toJSON: () => 'mine' }, new Date(0), { u: undefined }];
    expect(pieces({ items: null }, 'items', items, (x) => x).text).toBe(whole({ items }));
  });

  it('converts each element as it writes, many elements to a write', () => {
    const items = Array.from({ length: 2000 }, (_, i) => i);
    const seen: number[] = [];
    const r = pieces({ items: null }, 'items', items, (i) => {
      seen.push(i);
      return { i, pad: 'x'.repeat(400) };
    });
    expect(seen).toEqual(items);
    expect(r.text).toBe(whole({ items: items.map((i) => ({ i, pad: 'x'.repeat(400) })) }));
    expect(r.writes).toBeGreaterThan(1);
    expect(r.writes).toBeLessThan(2000 / 10);
  });
});

describe('writePsJson on the recorded hosts', () => {
  for (const name of ['hybrid-docker', 'hybrid-handmade', 'v2-systemd']) {
    it(`${name}: the bytes of JSON.stringify(psToJson(observation), null, 2)`, () => {
      const observer = createObserver(openHostRoot(`samples/${name}`));
      try {
        const obs = observer.observe({ details: {} });
        expect(obs.model.containers.length).toBeGreaterThan(1);
        const out: string[] = [];
        writePsJson(obs, (s) => out.push(s));
        expect(out.join('')).toBe(whole(psToJson(obs)));
      } finally {
        observer.close();
      }
    });
  }
});
