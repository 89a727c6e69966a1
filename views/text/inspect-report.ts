/**
 * `ctrscope inspect` as a human-readable report. Pure: report in, string out. Sections appear in
 * a fixed order; a section whose data was not collected says so rather than disappearing.
 */
import type { InspectReport, ProcessNode } from '../../src/model/inspect.js';
import { displayName } from '../../src/model/inspect.js';
import type { Severity } from '../../src/model/security.js';
import { formatBytesLong, formatDuration } from '../format.js';
import type { Style } from './style.js';

export interface ExtraSection {
  readonly title: string;
  readonly lines: readonly string[];
}

const kv = (st: Style, k: string, v: string): string => `  ${st.dim(k.padEnd(14))} ${v}`;

function tree(nodes: readonly ProcessNode[], depth: number, out: string[]): void {
  for (const n of nodes) {
    const uid = n.innerUid !== null && n.innerUid !== n.hostUid ? `${n.hostUid ?? '?'}(${n.innerUid})` : String(n.hostUid ?? '?');
    out.push(
      `  ${String(n.pid).padStart(7)} ${String(n.innerPid ?? '-').padStart(6)} ${uid.padStart(11)} ${n.state} ${n.cpuSeconds.toFixed(1).padStart(8)}s ${(n.rssBytes === null ? '-' : formatBytesLong(n.rssBytes)).padStart(9)}  ${'  '.repeat(depth)}${n.command}${n.via === 'namespaces' ? '   [entered via setns]' : ''}`,
    );
    tree(n.children, depth + 1, out);
  }
}

function severityColor(st: Style, s: Severity): (x: string) => string {
  return s === 'critical' || s === 'high' ? st.red : s === 'medium' ? st.yellow : st.dim;
}

/** A host process's private namespaces, and those that could not be compared with the host's. */
function privateNsLine(priv: readonly string[], unknown: readonly string[]): string {
  if (unknown.length === 0) return priv.length === 0 ? "none: every namespace is the host's" : priv.join(', ');
  const notKnown = `not known for ${unknown.join(', ')} (its namespace links or the host's cannot be read; run as root)`;
  return priv.length === 0 ? `none known; ${notKnown}` : `${priv.join(', ')}; ${notKnown}`;
}

export function renderInspectReport(r: InspectReport, st: Style, extra: readonly ExtraSection[] = [], unreadable: readonly string[] = []): string {
  const out: string[] = [];
  const h = (t: string): void => void out.push('', st.bold(t));
  if (!r.container) {
    const p = r.hostProcess;
    if (!p) return 'No such process or container.\n';
    out.push(st.bold(`PID ${p.pid} (${p.comm}) is not in any container.`));
    out.push(kv(st, 'command', p.command.join(' ') || `[${p.comm}]`));
    out.push(kv(st, 'owner', p.owner ?? 'unknown (no engine, monitor or systemd unit names it)'));
    out.push(kv(st, 'cgroup', p.cgroup ?? '-'));
    out.push(kv(st, 'private ns', privateNsLine(p.privateNamespaces, p.unknownNamespaces)));
    if (p.partialOf.length > 0) out.push(kv(st, 'shares with', `some namespaces of container(s) ${p.partialOf.join(', ')} (entered with nsenter/setns?)`));
    h('Namespaces');
    for (const [t, ino] of Object.entries(p.namespaces)) out.push(`  ${t.padEnd(7)} ${ino ?? '-'}`);
    return out.join('\n').trimStart() + '\n';
  }
  const c = r.container;
  out.push(st.bold(`Container ${displayName(c)}`) + st.dim(`  (${c.engine ?? 'no engine'})`));
  h('Identity');
  out.push(kv(st, 'id', c.id));
  out.push(kv(st, 'name', c.name ?? '-'));
  out.push(kv(st, 'engine', c.engine ?? 'none known (found from its namespaces)'));
  out.push(kv(st, 'runtime', c.runtime ?? '-'));
  out.push(kv(st, 'image', c.image ?? '-'));
  if (r.pod) {
    const members = r.podMembers.map((m) => `${displayName(m)}${r.pod?.infra === `${m.engine ?? 'none'}/${m.id}` ? ' (infra)' : ''}`);
    out.push(kv(st, 'pod', `${r.pod.name ?? r.pod.id} [${r.pod.kind}]: ${members.join(', ')}`));
  }
  if (c.kubernetes) {
    const k = c.kubernetes;
    out.push(kv(st, 'kubernetes', `namespace ${k.namespace ?? '?'}, pod ${k.podName ?? '?'}, container ${k.containerName ?? '?'}${k.containerType === 'sandbox' ? ' (sandbox)' : ''}`));
  }
  out.push(kv(st, 'monitor', c.monitor ? `${c.monitor.kind} pid ${c.monitor.pid}` : '-'));
  out.push(kv(st, 'metadata', c.metadata && c.metadata.sources.length > 0 ? c.metadata.sources.join(', ') : '-'));
  out.push(kv(st, 'cgroup', `${c.cgroup.path ?? '-'} (${c.cgroup.mode ?? '?'})`));
  out.push(kv(st, 'started', r.startedAtMs === null ? '-' : `${new Date(r.startedAtMs).toISOString()} (up ${r.uptimeSec === null ? '-' : formatDuration(r.uptimeSec)})`));
  out.push(kv(st, 'found by', c.evidence.join('; ')));

  if (r.asked) {
    const a = r.asked;
    h(`Process ${a.pid}`);
    out.push(kv(st, 'pid', `${a.pid} on the host${a.nspid && a.nspid.length > 1 ? `; ${a.nspid.slice(1).join(' → ')} inside (pid namespace levels, outer to inner)` : ''}`));
    out.push(kv(st, 'origin', a.descendsFromInit ? `descends from the container's first process (${c.pid})` : `not a descendant of the first process (${c.pid}): exec'd or entered from outside (${a.via ?? 'not a member'})`));
  }

  h(`Processes (${c.processes.length})`);
  out.push(st.dim(`  ${'PID'.padStart(7)} ${'CPID'.padStart(6)} ${'UID(inner)'.padStart(11)} S ${'CPU'.padStart(9)} ${'RSS'.padStart(9)}  COMMAND`));
  tree(r.processTree, 0, out);

  h('Namespaces');
  for (const n of r.namespaces) {
    const v = n.verdict === 'host' ? st.yellow('shared with the host') : n.verdict === 'shared' ? `shared with ${n.sharedWith.join(', ')}` : n.verdict;
    out.push(`  ${n.type.padEnd(7)} ${String(n.inode ?? '-').padEnd(11)} ${v}`);
  }
  if (c.partialMembers.length > 0) {
    out.push(st.dim('  partial members (processes outside that share some of its namespaces):'));
    for (const m of c.partialMembers) out.push(`    ${m.pid} ${m.comm}: ${m.shared.join(', ')}`);
  }

  for (const s of extra) {
    h(s.title);
    out.push(...s.lines.map((l) => `  ${l}`));
  }

  h('Security');
  const sec = r.security;
  if (!sec) out.push('  unavailable');
  else {
    const caps = sec.capabilities;
    out.push(kv(st, 'capabilities', caps.effective === null ? 'unreadable' : caps.all ? st.red('ALL') : caps.effective.length === 0 ? 'none' : caps.effective.join(' ')));
    if (caps.engineDefault) {
      out.push(kv(st, '', `vs ${c.engine} default: ${caps.added.length ? `added ${caps.added.join(' ')}` : 'nothing added'}; ${caps.dropped.length ? `dropped ${caps.dropped.join(' ')}` : 'nothing dropped'}`));
    }
    out.push(kv(st, 'seccomp', sec.seccomp.mode === null ? '?' : sec.seccomp.mode + (sec.seccomp.filters !== null && sec.seccomp.mode === 'filter' ? ` (${sec.seccomp.filters} filter${sec.seccomp.filters === 1 ? '' : 's'})` : '')));
    out.push(kv(st, 'NoNewPrivs', sec.noNewPrivs === null ? '?' : sec.noNewPrivs ? 'yes' : 'no'));
    out.push(kv(st, 'LSM', sec.lsm.label ?? (sec.lsm.unavailable === 'none' ? 'none active on this host' : `unreadable (${sec.lsm.unavailable ?? '?'})`)));
    const u = sec.user;
    out.push(kv(st, 'user ns', u.privateNamespace ? `private: root inside = uid ${u.rootMapsTo ?? '?'} outside${u.uidMap ? ` (uid_map ${u.uidMap.map((m) => `${m.inside}:${m.outside}:${m.count}`).join(', ')})` : ''}` : `host's: uid ${u.hostUid ?? '?'} inside is uid ${u.hostUid ?? '?'} on the host`));
    out.push(kv(st, 'host ns', sec.hostNamespaces.length ? sec.hostNamespaces.join(', ') : 'none'));
    out.push(kv(st, 'privileged', sec.privileged ? st.red('yes') : 'no'));
    h('Findings');
    if (sec.findings.length === 0) out.push('  none');
    for (const f of sec.findings) out.push(`  ${severityColor(st, f.severity)(f.severity.toUpperCase().padEnd(8))} ${f.title}: ${f.detail}`);
  }
  if (unreadable.length > 0) {
    h('Could not read');
    for (const u of unreadable) out.push(`  ${u}`);
  }
  return out.join('\n') + '\n';
}
