/**
 * Build the bundled CLI once before the tests: integration tests that must run ctrscope as a
 * separate process (as another user, inside tmux, or `enter`, which changes the caller's
 * namespaces) run dist/ctrscope.mjs, exactly what `npx ctrscope` runs.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  execFileSync(process.execPath, [fileURLToPath(new URL('../scripts/build.mjs', import.meta.url))], { stdio: 'inherit' });
}
