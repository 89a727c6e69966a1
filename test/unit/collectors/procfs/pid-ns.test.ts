import { readdirSync, readlinkSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseNsInode, parseNsLink } from '../../../../collectors/procfs/pid-ns.js';
import { ParseError } from '../../../../collectors/read.js';

describe('parseNsLink', () => {
  it('reads the recorded links of samples/hybrid-docker (sample-web, pid 678)', () => {
    expect(parseNsLink(readlinkSync('samples/hybrid-docker/proc/678/ns/net'))).toEqual({ type: 'net', inode: 4026532184 });
    expect(parseNsLink(readlinkSync('samples/hybrid-docker/proc/678/ns/pid_for_children'))).toEqual({ type: 'pid', inode: 4026532183 });
    expect(parseNsLink(readlinkSync('samples/hybrid-docker/proc/2/ns/mnt'))).toEqual({ type: 'mnt', inode: 4026531832 });
  });

  it('gives the inode alone, the same as parseNsLink, for every recorded link of every sample', () => {
    const links = readdirSync('samples', { recursive: true, encoding: 'utf8' }).filter((p) => /\/proc\/\d+\/ns\/\w+$/.test(p));
    expect(links.length).toBeGreaterThan(100);
    for (const l of links) {
      const text = readlinkSync(`samples/${l}`);
      expect(parseNsInode(text)).toBe(parseNsLink(text).inode);
    }
  });

  it.each([['net:4026531833'], ['socket:[x]'], ['/proc/1/ns/net'], ['net:[4026531833] '], ['net:[99999999999999999999]'], ['net:[]'], [':[4026531833]'], ['Net:[1]'], ['net:[12a]'], ['net:[-1]'], ['']])('refuses %j', (text) => {
    expect(() => parseNsLink(text)).toThrow(ParseError);
    expect(() => parseNsInode(text)).toThrow(ParseError);
  });
});
