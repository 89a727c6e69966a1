import { describe, expect, it } from 'vitest';
import type { ContainerEvent, EventAction } from '../../../../src/model/events.js';
import { logLines } from '../../../../views/tui/log-view.js';
import { RECENT_MS, RecentEvents } from '../../../../views/tui/recent-events.js';
import { layoutTable, buildRows } from '../../../../views/tui/view-model.js';
import { container, frame } from '../../../helpers/frames.js';

const T0 = Date.UTC(2026, 11, 5, 4, 0, 0);
function event(action: EventAction, key: string, atMs: number, over: Partial<ContainerEvent> = {}): ContainerEvent {
  return {
    action,
    timeNano: BigInt(atMs) * 1_000_000n,
    container: { key, id: key.split('/')[1] as string, name: 'web', engine: 'docker', image: null, pod: null },
    pid: 42,
    exitCode: null,
    exitSignal: null,
    exitSignalName: null,
    command: 'tail',
    partial: null,
    namespaces: null,
    changes: null,
    source: 'kmsg',
    ...over,
  };
}

describe('recent events on rows', () => {
  it('marks a row by its most serious recent event, lists them newest first, and forgets them after RECENT_MS', () => {
    const r = new RecentEvents();
    r.push(event('join', 'docker/a', T0, { command: 'sh', partial: false }));
    r.push(event('start', 'docker/a', T0 + 500));
    expect(r.mark('docker/a')).toEqual({ mark: '+', tone: 'warn' });
    r.push(event('oom-kill', 'docker/a', T0 + 1000));
    r.push(event('exit', 'docker/b', T0 + 2000, { exitCode: 3, pid: 7, command: null }));
    expect(r.mark('docker/a')).toEqual({ mark: '!', tone: 'crit' });
    expect(r.mark('docker/b')).toEqual({ mark: '↻', tone: 'warn' });
    expect(r.mark('docker/c')).toBeNull();
    // start is not kept: only what top marks.
    expect(r.lines('docker/a', T0 + 61_000)).toEqual(['! 04:00:01 (1m00s ago)  oom-kill  pid 42 (tail)  killed by the OOM killer', '+ 04:00:00 (1m01s ago)  join  pid 42 (sh)  all namespaces']);
    expect(r.lines('docker/b', T0 + 3000)).toEqual(['↻ 04:00:02 (1s ago)  exit  pid 7  exit code 3']);
    r.prune(T0 + 1500 + RECENT_MS);
    expect(r.mark('docker/a')).toBeNull();
    expect(r.mark('docker/b')).not.toBeNull();
    r.prune(T0 + 2000 + RECENT_MS);
    expect(r.size).toBe(0);
  });

  it('keeps at most 20 events per container', () => {
    const r = new RecentEvents();
    for (let i = 0; i < 50; i++) r.push(event('exit', 'docker/a', T0 + i));
    expect(r.lines('docker/a', T0 + 100)).toHaveLength(20);
  });

  it('puts the mark before the name in the NAME cell', () => {
    const f = frame([container({ id: 'a', name: 'web' })]);
    const [row] = buildRows(f, (key) => (key === 'docker/a' ? { mark: '!', tone: 'crit' } : null));
    expect(row?.cells.name).toEqual({ text: '! web', tone: 'crit' });
  });
});

describe('columns the user hides', () => {
  it('are not laid out, and are not counted as hidden for want of room; NAME cannot be hidden', () => {
    const rows = buildRows(frame([container({ id: 'a', name: 'web' })]));
    const l = layoutTable(rows, 200, 'cpu', ['engine', 'name']);
    expect(l.columns.map((c) => c.id)).not.toContain('engine');
    expect(l.columns.map((c) => c.id)).toContain('name');
    expect(l.hidden).toEqual([]);
  });
});

describe('the log view', () => {
  it('says why there is no file, or shows the lines with their time and stderr marked', () => {
    expect(logLines({ location: { kind: 'none', reason: 'its logging is off (--log-driver none)' }, lines: [], sizeBytes: null, truncated: false, malformed: 0, error: null }, 60).map((l) => l.text)).toEqual([
      'No log file on disk for this container.',
      'its logging is off (--log-driver none)',
    ]);
    const lines = logLines(
      {
        location: { kind: 'file', format: 'json-file', path: '/x.log', from: 'LogPath in config.v2.json' },
        lines: [
          { time: '2026-12-05T04:29:12.175472499Z', stream: 'stdout', text: 'hello' },
          { time: '2026-12-05T04:29:13Z', stream: 'stderr', text: 'oops' },
        ],
        sizeBytes: 2048,
        truncated: true,
        malformed: 0,
        error: null,
      },
      78,
    );
    expect(lines.map((l) => l.text)).toEqual(['json-file log, 2.0K (LogPath in config.v2.json); the last 2 lines', '04:29:12   hello', '04:29:13 E oops']);
    expect(lines[2]?.tone).toBe('warn');
  });
});
