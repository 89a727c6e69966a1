/** `ctrscope which <host path | host interface>`: the container behind a directory or a veth. */
import * as path from 'node:path';
import type { Command } from 'commander';
import { collectDetails } from '../../../collectors/details.js';
import { shortId } from '../../model/host-model.js';
import { whichInterface, whichPath, type WhichMatch } from '../../model/which.js';
import { EXIT } from '../exit-codes.js';
import { ExitWith, observeHost, openRoot, type Deps, type GlobalOptions } from '../context.js';

function line(target: string, m: WhichMatch): string {
  const c = m.container;
  const who = `${c.engine ?? 'none'} ${c.name ?? shortId(c)} (${shortId(c)}, pid ${c.pid})`;
  return `${target}: ${who}: ${m.role} ${m.what}${m.detail ? ` ${m.detail}` : ''}\n`;
}

export function registerWhich(program: Command, deps: Deps): void {
  program
    .command('which')
    .description('name the container that owns a host directory (overlay layer, merged dir, volume, bind source) or a host interface (veth)')
    .argument('<target>', 'a host path (e.g. /var/lib/docker/overlay2/<id>) or an interface name (e.g. veth1a2b3c4)')
    .action((target: string, _opts: unknown, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const root = openRoot(g);
      const model = observeHost(root, deps, { resources: false, network: false }).model;
      const { details } = collectDetails(root, model);
      const isIface = !target.includes('/') && (root.readText(`/sys/class/net/${target}/ifindex`).ok || whichInterface(target, model.containers, details).length > 0);
      const norm = isIface ? target : path.resolve(target).replace(/\/+$/, '') || '/';
      const matches = isIface ? whichInterface(target, model.containers, details) : whichPath(norm, model.containers, details);
      if (matches.length === 0) throw new ExitWith(EXIT.notFound, isIface ? `${target}: no container's veth pairs with this interface` : `${norm}: not inside any container's layers, merged dir, volumes or bind sources`);
      for (const m of matches) deps.out(line(norm, m));
    });
}
