/**
 * A command's <target> argument resolved against the model, or a one-line error naming what
 * matched nothing or which candidates matched (src/model/target.ts has the rules).
 */
import type { HostModel } from '../model/host-model.js';
import { describeTarget, resolveTarget, type Resolution, type Target } from '../model/target.js';
import { EXIT } from './exit-codes.js';
import { ExitWith } from './context.js';

export function resolveOrExit(model: HostModel, query: string): Target {
  return targetOrExit(resolveTarget(model, query));
}

/** The one way every command words a target that matched nothing or several things. */
export function targetOrExit(r: Resolution): Target {
  if (r.kind === 'found') return r.target;
  if (r.kind === 'not-found') throw new ExitWith(EXIT.notFound, `${r.reason}; \`ctrscope ps\` lists the containers`);
  const by = r.matchedBy === 'id-prefix' ? 'id prefix' : r.matchedBy;
  const hint = r.matchedBy === 'name' ? 'give the id instead' : 'give more of the id';
  throw new ExitWith(EXIT.ambiguous, `'${r.query}' is ambiguous (${by}), it matches ${r.candidates.map(describeTarget).join('; ')}: ${hint}`);
}
