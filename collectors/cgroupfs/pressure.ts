/**
 * Pressure stall information, `cpu.pressure`, `memory.pressure`, `io.pressure` in a cgroup2
 * directory (kernel accounting/psi.rst). Only on cgroup2, and only with CONFIG_PSI (and without
 * psi=0). `full` is absent for cpu before 5.13 and for the non-root cgroup cpu line on some
 * kernels; each line is optional.
 *   some avg10=0.00 avg60=0.00 avg300=0.00 total=465907442
 *   full avg10=0.00 avg60=0.00 avg300=0.00 total=463529433
 */
import type { Pressure, PressureLine } from '../../src/model/resources.js';
import { ParseError } from '../read.js';

const LINE = /^(some|full) avg10=(\d+\.\d+) avg60=(\d+\.\d+) avg300=(\d+\.\d+) total=(\d+)$/;

export function parsePressure(text: string): Pressure {
  let some: PressureLine | null = null;
  let full: PressureLine | null = null;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const m = LINE.exec(line.trim());
    if (!m) throw new ParseError('pressure: expected "some|full avg10=.. avg60=.. avg300=.. total=.."', line);
    const total = Number(m[5]);
    if (!Number.isSafeInteger(total)) throw new ParseError('pressure: total out of range', line);
    const v: PressureLine = { avg10: Number(m[2]), avg60: Number(m[3]), avg300: Number(m[4]), totalUsec: total };
    if (m[1] === 'some') some = v;
    else full = v;
  }
  if (some === null && full === null) throw new ParseError('pressure: no some/full line', text);
  return { some, full };
}
