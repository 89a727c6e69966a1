/** Text form of `ctrscope which`: one line per match. Pure. */
import { shortId } from '../../src/model/host-model.js';
import type { WhichMatch } from '../../src/model/which.js';

export function renderWhich(target: string, matches: readonly WhichMatch[]): string {
  return matches
    .map((m) => {
      const c = m.container;
      const who = `${c.engine ?? 'none'} ${c.name ?? shortId(c)} (${shortId(c)}, pid ${c.pid})`;
      const seen = m.containerPath !== null && m.role !== 'veth' ? ` (${m.containerPath} in the container)` : '';
      return `${target}: ${who}: ${m.role}${m.shortLink ? ' (short link)' : ''} ${m.what}${m.detail ? ` ${m.detail}` : ''}${seen}\n`;
    })
    .join('');
}
