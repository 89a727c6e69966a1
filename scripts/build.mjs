#!/usr/bin/env node
// Bundle the CLI into dist/ctrscope.mjs, the `ctrscope` bin. One module instead of ~80 makes
// start-up about 60 ms faster (Node's ESM loader resolves and links each file), which matters for
// a tool measured against lsns. What a command loads with `await import()` (the full-screen
// dashboard, which imports blessed; `enter`'s koffi bindings) is split into dist/chunks/, so
// `ps` does not pay ~30 ms to load blessed it never uses. dist/chunks/events-worker.mjs is the proc
// connector's reader thread (a Node worker that `events` and `top` start), in dist/chunks/ so
// that whatever ships the bin and its chunks (deploy/Dockerfile) ships it too. Dependencies stay external: koffi
// (native), blessed and blessed-contrib (dynamic requires), systeminformation and tar.
// No V8 flags in the #! line: a 64 MiB young generation made a 1,600-process `ps` ~15% faster
// but grew a long-running `top` by ~90 MiB of RSS; Node 20's default (16 MiB) is the trade kept.
import { build } from 'esbuild';
import { chmodSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = `${root}dist`;
rmSync(`${outdir}/chunks`, { recursive: true, force: true });
await build({
  // The proc connector's reader thread (collectors/events/proc-watch.ts) runs dist/chunks/events-worker.mjs.
  entryPoints: { ctrscope: `${root}src/cli/main.ts`, 'chunks/events-worker': `${root}collectors/events/proc-watch-worker.ts` },
  outdir,
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  splitting: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['koffi', 'blessed', 'blessed-contrib', 'systeminformation', 'tar'],
  // commander is CommonJS: give the bundle a require() for its node: built-ins.
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __ctrscopeCreateRequire } from 'node:module';\nconst require = __ctrscopeCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
chmodSync(`${outdir}/ctrscope.mjs`, 0o755);
