/** `ctrscope ns`: every namespace on the host, container-aware, including pinned ones. */
import type { Command } from 'commander';
import { collectNsPins } from '../../../collectors/namespaces.js';
import { buildNsInventory } from '../../model/namespaces.js';
import { isNsType, NS_TYPES } from '../../model/namespace.js';
import { nsToJson } from '../../../views/json/ns.js';
import { renderNs } from '../../../views/text/ns.js';
import { EXIT } from '../exit-codes.js';
import { ExitWith, observeHost, openRoot, type Deps, type GlobalOptions } from '../context.js';

export function registerNs(program: Command, deps: Deps): void {
  program
    .command('ns')
    .description('list every namespace: processes, owning container or host, sharers, and what pins it')
    .option('--json', 'print JSON (schema: views/json/ctrscope.schema.json, kind "ns")')
    .option('-t, --type <type>', `only namespaces of this type (${NS_TYPES.join(', ')})`)
    .action((opts: { json?: boolean; type?: string }, cmd: Command) => {
      const type = opts.type;
      if (type !== undefined && !isNsType(type)) throw new ExitWith(EXIT.usage, `--type ${type}: unknown namespace type; use one of ${NS_TYPES.join(', ')}`);
      const root = openRoot(cmd.optsWithGlobals<GlobalOptions>());
      const model = observeHost(root, deps, { childNamespaces: true, initsOnly: true, resources: false, network: false }).model;
      const scan = collectNsPins(root, model.snapshot.processes);
      const denied = scan.gaps.filter((g) => g.reason === 'denied').length;
      if (denied > 0 && root.dir === '/') deps.err(`ctrscope: warning: ${denied} fd directories or mountinfo files are unreadable, so namespaces pinned there may be missing; run as root for the full view\n`);
      const entries = buildNsInventory(model, scan.pins).filter((e) => type === undefined || e.type === type);
      if (opts.json) deps.out(JSON.stringify(nsToJson(model, entries, scan.gaps), null, 2) + '\n');
      else deps.out(renderNs(model, entries, deps.columns));
    });
}
