import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCmdline } from '../../../../collectors/procfs/pid-cmdline.js';

describe('parseCmdline', () => {
  it('splits a recorded shim command line (samples/hybrid-docker pid 656)', () => {
    expect(parseCmdline(readFileSync('samples/hybrid-docker/proc/656/cmdline'))).toEqual([
      '/usr/bin/containerd-shim-runc-v2',
      '-namespace',
      'moby',
      '-id',
      '9d455f2e9a80ff8e87866565eb79b0c4de48df3af964242271be6486a0945483',
      '-address',
      '/var/run/docker/containerd/containerd.sock',
    ]);
  });

  it('gives [] for a kernel thread (empty cmdline) and keeps empty arguments', () => {
    expect(parseCmdline(readFileSync('samples/hybrid-docker/proc/2/cmdline'))).toEqual([]);
    expect(parseCmdline('sh\0-c\0\0x\0')).toEqual(['sh', '-c', '', 'x']);
  });

  it('keeps a rewritten process title as one argument (no trailing NUL)', () => {
    expect(parseCmdline('[lxc monitor] /var/lib/lxc c1')).toEqual(['[lxc monitor] /var/lib/lxc c1']);
  });

  it('decodes bytes and text the same way', () => {
    const bytes = Buffer.from('caf\u00e9\0--x\0', 'utf8');
    expect(parseCmdline(bytes)).toEqual(parseCmdline(bytes.toString('utf8')));
  });
});
