/**
 * Build dist/ once before the tests: integration tests that must run ctrscope as a separate
 * process (as another user, inside tmux, or `enter`, which changes the caller's namespaces)
 * run dist/src/cli/main.js, exactly what `npx ctrscope` runs.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const root = fileURLToPath(new URL('..', import.meta.url));
  execFileSync(process.execPath, [fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url)), '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
}
