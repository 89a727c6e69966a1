import { describe, expect, it } from 'vitest';
import { commandNamed, runsOnce } from '../../../src/cli/program.js';
import { ctrscope } from '../../helpers/host.js';

const ALL = ['ps', 'enter', 'inspect', 'which', 'ns', 'snapshot', 'top', 'events', 'serve'];

describe('which command a command line loads', () => {
  it.each([
    [['ns', '--json'], 'ns'],
    [['--root', 'samples/hybrid-docker', 'ps', '--no-rates'], 'ps'],
    [['--root=samples/hybrid-docker', 'inspect', 'web'], 'inspect'],
    // `--root ps` names the root, not the command: the command is the next operand.
    [['--root', 'ps', 'top', '--batch'], 'top'],
    [['--', 'which', '/x'], 'which'],
  ])('%j runs %s', (argv, name) => {
    expect(commandNamed(argv)).toBe(name);
  });

  it.each([[[]], [['--help']], [['-V']], [['help', 'ps']], [['pss']], [['--root', 'x']], [['constructor']]])('%j needs every command', (argv) => {
    expect(commandNamed(argv)).toBeNull();
  });

  it('lists every command in help, in order, though none is run', async () => {
    const r = await ctrscope(['--help']);
    expect(r.code).toBe(0);
    const listed = [...r.stdout.matchAll(/^ {2}(\w+)\b/gm)].map((m) => m[1]).filter((n) => n !== 'help');
    expect(listed).toEqual(ALL);
  });

  it("shows one command's help after the program's options", async () => {
    const r = await ctrscope(['--root', 'samples/hybrid-docker', 'ns', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: ctrscope ns \[options\]/);
    expect(r.stdout).toContain('--type <type>');
  });
});

describe('which command lines run once (and skip the optimizing compiler)', () => {
  it.each([
    [['ns', '--json'], true],
    [['--root', 'samples/hybrid-docker', 'ps'], true],
    [['inspect', '1'], true],
    [['top'], false],
    [['--root', 'x', 'serve'], false],
    [['events', '--json'], false],
    [['snapshot', 'out.tar.gz'], false],
    [['--help'], false],
  ])('%j: %s', (argv, once) => {
    expect(runsOnce(argv)).toBe(once);
  });
});
