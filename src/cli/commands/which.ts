/** `ctrscope which <host path | host interface>`: the container behind a directory or a veth. */
import * as path from 'node:path';
import type { Command } from 'commander';
import { collectDetails } from '../../../collectors/details.js';
import { whichToJson } from '../../../views/json/which.js';
import { renderWhich } from '../../../views/text/which.js';
import { interfaceNames, whichInterface, whichPath } from '../../model/which.js';
import { EXIT } from '../exit-codes.js';
import { ExitWith, observeHost, openRoot, type Deps, type GlobalOptions } from '../context.js';

export function registerWhich(program: Command, deps: Deps): void {
  program
    .command('which')
    .description('name the container that owns a host directory (overlay layer, merged dir, volume, bind source) or a host interface (veth)')
    .argument('<target>', 'a host path (e.g. /var/lib/docker/overlay2/<id>) or an interface name (e.g. veth1a2b3c4, or veth1a2b3c4@if6 as `ip link` shows it)')
    .option('--json', 'print JSON (schema: views/json/ctrscope.schema.json, kind "which")')
    .action((target: string, opts: { json?: boolean }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const root = openRoot(g);
      const model = observeHost(root, deps, { resources: false, network: false }).model;
      const { details } = collectDetails(root, model);
      // An interface: a name without `/` that the host has, or that some container's veth pairs with.
      const iface = target.includes('/')
        ? undefined
        : interfaceNames(target).find((n) => root.readText(`/sys/class/net/${n}/ifindex`).ok || whichInterface(n, model.containers, details).length > 0);
      const name = iface ?? (path.resolve(target).replace(/\/+$/, '') || '/');
      const matches = iface !== undefined ? whichInterface(iface, model.containers, details) : whichPath(name, model.containers, details);
      if (opts.json) deps.out(JSON.stringify(whichToJson(model, { target, type: iface !== undefined ? 'interface' : 'path', name }, matches), null, 2) + '\n');
      else deps.out(renderWhich(name, matches));
      if (matches.length === 0) throw new ExitWith(EXIT.notFound, iface !== undefined ? `${iface}: no container's veth pairs with this interface` : `${name}: not inside any container's layers, merged dir, volumes or bind sources`);
    });
}
