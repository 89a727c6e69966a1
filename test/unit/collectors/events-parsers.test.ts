/** The kernel event parsers on text captured from the kernel (test/fixtures/events/README.md). */
import { describe, expect, it } from 'vitest';
import { formatKmsgRecord, isOomRecord, parseKmsgRecord, parseKmsgText, parseOomKills } from '../../../collectors/events/kmsg.js';
import { IN_CREATE, IN_ISDIR, IN_MODIFY, parseInotifyEvents } from '../../../collectors/events/inotify.js';
import { decodeWaitStatus, listenRequest, parseProcEvents } from '../../../collectors/events/proc-connector.js';
import { fixture } from '../../helpers/fixtures.js';

describe('proc connector datagrams', () => {
  const datagrams = fixture('events/proc-connector-datagrams.hex').split('\n').filter((l) => l !== '').map((h) => Buffer.from(h, 'hex'));
  const events = datagrams.flatMap((d) => parseProcEvents(d));

  it('decodes the exit status of `exit 7` and the signal of `kill -9`', () => {
    const exits = events.filter((e) => e.kind === 'exit');
    expect(exits.find((e) => e.pid === 22370)).toMatchObject({ exitCode: 7, signal: null });
    expect(exits.find((e) => e.pid === 22371)).toMatchObject({ exitCode: null, signal: 9 });
  });

  it('decodes forks and execs of the same children, each after its fork', () => {
    for (const pid of [22370, 22371]) {
      const fork = events.findIndex((e) => e.kind === 'fork' && e.childPid === pid);
      const exec = events.findIndex((e) => e.kind === 'exec' && e.pid === pid);
      const exit = events.findIndex((e) => e.kind === 'exit' && e.pid === pid);
      expect(fork).toBeGreaterThanOrEqual(0);
      expect(exec).toBeGreaterThan(fork);
      expect(exit).toBeGreaterThan(exec);
    }
  });

  it('keeps kernel timestamps in order', () => {
    const ts = events.map((e) => e.timestampNs);
    expect([...ts].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(ts);
  });

  it('skips the listen acknowledgement and truncated messages', () => {
    const first = datagrams[0] as Buffer;
    expect(first.readUInt32LE(36)).toBe(0); // PROC_EVENT_NONE: the ack
    expect(parseProcEvents(first)).toEqual([]);
    expect(parseProcEvents(datagrams[1] as Buffer, 20)).toEqual([]);
  });

  it('wait status: code << 8 is an exit, low 7 bits a signal (0x80: core dumped)', () => {
    expect(decodeWaitStatus(0)).toEqual({ exitCode: 0, signal: null });
    expect(decodeWaitStatus(255 << 8)).toEqual({ exitCode: 255, signal: null });
    expect(decodeWaitStatus(0x80 | 11)).toEqual({ exitCode: null, signal: 11 });
  });

  it('the listen request is the message the captured session sent', () => {
    const req = listenRequest();
    expect(req.length).toBe(40);
    expect(req.readUInt32LE(0)).toBe(40);
    expect(req.readUInt32LE(36)).toBe(1);
  });
});

describe('/dev/kmsg OOM kills', () => {
  const text = fixture('events/kmsg-oom-docker-v1.txt');
  const records = parseKmsgText(text);

  it('parses every record header (continuation lines skipped)', () => {
    const lines = text.split('\n').filter((l) => l !== '' && !l.startsWith(' '));
    expect(records).toHaveLength(lines.length);
    expect(records[1]).toMatchObject({ seq: 1202, usec: 976030623, message: 'tail invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0' });
  });

  it('finds the one kill: victim pid and command, its memory cgroup, the limit hit', () => {
    const kills = parseOomKills(records);
    expect(kills).toEqual([
      {
        seq: 1298,
        usec: 976037170,
        pid: 24546,
        command: 'tail',
        taskMemcg: '/docker/097eefd39bca54cd3d8eb23bd940156fffa23a08335f529b3448528a91f83f4c',
        oomMemcg: '/docker/097eefd39bca54cd3d8eb23bd940156fffa23a08335f529b3448528a91f83f4c',
        constraint: 'CONSTRAINT_MEMCG',
      },
    ]);
  });

  it('a kill without its summary line still names the victim; the tasks table is not a kill', () => {
    const kills = parseOomKills(records.filter((r) => !r.message.startsWith('oom-kill:')));
    expect(kills).toHaveLength(1);
    expect(kills[0]).toMatchObject({ pid: 24546, command: 'tail', taskMemcg: null });
  });

  it('what a snapshot keeps replays to the same kills', () => {
    const kept = records.filter(isOomRecord).map(formatKmsgRecord).join('\n');
    expect(parseOomKills(parseKmsgText(kept))).toEqual(parseOomKills(records));
    expect(records.filter(isOomRecord)).toHaveLength(2);
  });

  it('rejects text that is not a record', () => {
    expect(parseKmsgRecord('no header here')).toBeNull();
    expect(parseKmsgRecord('x,y;message')).toBeNull();
  });
});

describe('inotify events', () => {
  it('parses wd, mask and the NUL-padded name', () => {
    const ev = (wd: number, mask: number, n: string): Buffer => {
      const padded = Buffer.alloc(Math.ceil((n.length + 1) / 16) * 16);
      padded.write(n);
      const h = Buffer.alloc(16);
      h.writeInt32LE(wd, 0);
      h.writeUInt32LE(mask, 4);
      h.writeUInt32LE(padded.length, 12);
      return Buffer.concat([h, padded]);
    };
    const buf = Buffer.concat([ev(3, IN_MODIFY, 'freezer.state'), ev(7, IN_CREATE | IN_ISDIR, 'a'.repeat(64))]);
    expect(parseInotifyEvents(buf)).toEqual([
      { wd: 3, mask: IN_MODIFY, name: 'freezer.state' },
      { wd: 7, mask: IN_CREATE | IN_ISDIR, name: 'a'.repeat(64) },
    ]);
  });
});
