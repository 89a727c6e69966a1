/** `ctrscope snapshot <out.tar.gz>`: record exactly the host files ctrscope reads, for --root. */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { recordHost } from '../../../collectors/snapshot/record.js';
import { EXIT } from '../exit-codes.js';
import { ExitWith, openRoot, type Deps, type GlobalOptions } from '../context.js';
import { isArchivePath, packTree, writeTree } from '../snapshot-archive.js';
import { VERSION } from '../version.js';

export function registerSnapshot(program: Command, deps: Deps): void {
  program
    .command('snapshot')
    .description('record the host files ctrscope reads into a .tar.gz that --root replays (secrets scrubbed)')
    .argument('<out.tar.gz>', 'archive to write')
    .option('--keep-env', 'keep environment variables and command-line secrets (the archive may then hold credentials)')
    .action(async (out: string, opts: { keepEnv?: boolean }, cmd: Command) => {
      if (!isArchivePath(out)) throw new ExitWith(EXIT.usage, `${out}: the archive name must end in .tar.gz or .tgz`);
      const root = openRoot(cmd.optsWithGlobals<GlobalOptions>());
      const rec = await recordHost(root, { keepEnv: opts.keepEnv === true, nowMs: deps.now(), version: VERSION });
      const staging = mkdtempSync(join(tmpdir(), 'ctrscope-snapshot-'));
      try {
        writeTree(staging, rec.entries, rec.meta);
        packTree(staging, out);
      } catch (err) {
        throw new ExitWith(EXIT.failure, `cannot write ${out}: ${err instanceof Error ? err.message : String(err)}`);
      } finally {
        rmSync(staging, { recursive: true, force: true });
      }
      const kib = Math.ceil(statSync(out).size / 1024);
      deps.err(
        `ctrscope: wrote ${out} (${rec.meta.files} files from ${rec.meta.processes} processes, ${kib} KiB, ${rec.meta.scrubbed ? 'secrets scrubbed' : 'NOT scrubbed: may contain secrets'}); replay with: ctrscope --root ${out} ps\n`,
      );
    });
}
