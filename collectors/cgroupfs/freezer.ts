/**
 * Freezer state. v1 `freezer.state` (cgroup-v1/freezer-subsystem.rst): THAWED, FREEZING or FROZEN.
 * v2 `cgroup.events` (cgroup-v2.rst "Core Interface Files"): `populated 1` / `frozen 0`; the
 * `frozen` key exists since 5.2, and `cgroup.freeze` holds what was asked (1) rather than reached.
 */
import { ParseError } from '../read.js';
import { keyedInt, parseFlatKeyed } from './values.js';

export type FreezerState = 'thawed' | 'freezing' | 'frozen';

export function parseFreezerState(text: string): FreezerState {
  const t = text.trim();
  if (t === 'THAWED') return 'thawed';
  if (t === 'FREEZING') return 'freezing';
  if (t === 'FROZEN') return 'frozen';
  throw new ParseError('freezer.state: expected THAWED, FREEZING or FROZEN', text);
}

/**
 * v2 state from `cgroup.events` `frozen` and `cgroup.freeze`: asked but not yet reached is
 * "freezing", as v1 reports it.
 */
export function parseCgroupEventsFrozen(events: string, freeze: string | null): FreezerState {
  const frozen = keyedInt(parseFlatKeyed(events, 'cgroup.events'), 'frozen');
  if (frozen === null) throw new ParseError('cgroup.events: no "frozen" key (kernel before 5.2)', events);
  if (frozen === 1) return 'frozen';
  return freeze !== null && freeze.trim() === '1' ? 'freezing' : 'thawed';
}
