/**
 * JSON form of ContainerResources: `limits` and `usage` objects, plus `resources` saying which
 * cgroup directories were read and why any field is null. "Unlimited" and "unknown" are both
 * null; `resources.unknown` maps the dotted field path of each unknown one to its reason, so a
 * null without an entry there means "no limit".
 */
import { isUnknown, type ContainerResources } from '../../src/model/resources.js';

/** `limits.cpuCores`, `usage.io[0].readBytes`: where an Unknown sat, for `resources.unknown`. */
const pathOf = (at: readonly (string | number)[]): string => at.reduce<string>((p, s) => (typeof s === 'number' ? `${p}[${s}]` : p === '' ? s : `${p}.${s}`), '');

/** JSON-ready copy: 'unlimited' and Unknown become null, each Unknown's reason kept by path. */
function plain(v: unknown, at: (string | number)[], reasons: Record<string, string>): unknown {
  // Most fields are numbers, strings and nulls: settled before any object test.
  if (typeof v !== 'object' || v === null) return v === 'unlimited' ? null : v;
  if (isUnknown(v)) {
    reasons[pathOf(at)] = v.unknown;
    return null;
  }
  // Indexed loops: `ps --json` runs without V8's optimizing compiler, where each step of a
  // for-of allocates, and this walks every field of every container.
  if (Array.isArray(v)) {
    const a: unknown[] = [];
    for (let i = 0; i < v.length; i++) {
      at.push(i);
      a.push(plain(v[i], at, reasons));
      at.pop();
    }
    return a;
  }
  const o: Record<string, unknown> = {};
  const keys = Object.keys(v);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as string;
    at.push(k);
    o[k] = plain((v as Record<string, unknown>)[k], at, reasons);
    at.pop();
  }
  return o;
}

export function resourcesToJson(r: ContainerResources): { limits: unknown; usage: unknown; resources: Record<string, unknown> } {
  const reasons: Record<string, string> = {};
  const limits = plain(r.limits, ['limits'], reasons);
  const usage = plain(r.usage, ['usage'], reasons);
  return {
    limits,
    usage,
    resources: {
      cgroups: r.cgroups,
      sampleIntervalMs: r.sampleIntervalMs === null ? null : Math.round(r.sampleIntervalMs * 10) / 10,
      unavailable: r.unavailable,
      // With nothing measurable every field shares the one reason above.
      unknown: r.unavailable === null ? reasons : {},
    },
  };
}
