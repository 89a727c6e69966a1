/**
 * Module boundaries (house style §2.2), enforced by scanning import specifiers:
 * views/ never import collectors/ or node:fs; src/model/ imports neither node: modules nor
 * collectors/; among collectors/, only host-root.ts imports node:fs.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return tsFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

const IMPORT = /\b(?:import|export)\b[^'";]*?\bfrom\s*['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)|\bimport\s+['"]([^'"]+)['"]|\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Import specifiers of a file, relative ones resolved to repository paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2] ?? m[3] ?? m[4];
    if (spec === undefined) continue;
    out.push(spec.startsWith('.') ? relative('.', join(file, '..', spec)) : spec);
  }
  return out;
}

const isFs = (s: string): boolean => s === 'node:fs' || s === 'fs' || s.startsWith('node:fs/') || s.startsWith('fs/');
const isCollector = (s: string): boolean => s.startsWith('collectors/');
const isNode = (s: string): boolean => s.startsWith('node:') || ['fs', 'path', 'os', 'child_process', 'process', 'url', 'util'].includes(s.split('/')[0] as string);

function violations(root: string, bad: (spec: string, file: string) => boolean): string[] {
  return tsFiles(root).flatMap((f) => importsOf(f).filter((s) => bad(s, f)).map((s) => `${f} imports ${s}`));
}

describe('module boundaries', () => {
  it('the scanner sees imports (it finds node:fs in host-root.ts and collectors in context.ts)', () => {
    expect(importsOf('collectors/host-root.ts')).toContain('node:fs');
    expect(importsOf('src/cli/context.ts')).toContain('collectors/host-root.js');
  });

  it('views/ import neither collectors/ nor node:fs', () => {
    expect(violations('views', (s) => isCollector(s) || isFs(s))).toEqual([]);
  });

  it('src/model/ imports neither node: modules nor collectors/', () => {
    expect(violations('src/model', (s) => isNode(s) || isCollector(s))).toEqual([]);
  });

  it('commands do not import the program that registers them (no import cycle in src/cli)', () => {
    expect(violations('src/cli/commands', (s) => s.endsWith('cli/program.js'))).toEqual([]);
    expect(violations('src/cli', (s, f) => f !== join('src', 'cli', 'program.ts') && f !== join('src', 'cli', 'main.ts') && s.endsWith('cli/program.js'))).toEqual([]);
  });

  it('the observation pipeline reads the host through collectors only (no node:fs of its own)', () => {
    expect(violations('src/observe', (s) => isFs(s))).toEqual([]);
  });

  it('only collectors/host-root.ts imports node:fs among collectors/', () => {
    expect(violations('collectors', (s, f) => isFs(s) && f !== join('collectors', 'host-root.ts'))).toEqual([]);
  });
});
