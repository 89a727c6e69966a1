/** The one formatting module every view uses: sizes, rates, durations. */
import { describe, expect, it } from 'vitest';
import { formatBytes, formatBytesLong, formatDuration, formatRate } from '../../../views/format.js';

const GiB = 2 ** 30;
const MiB = 2 ** 20;

describe('formatting for people', () => {
  it('writes table sizes 1024-based, 3 significant figures at most, never 1024K', () => {
    expect([0, 512, 1536, 10 * 1024, 1023.7 * 1024, 23 * MiB, 1.25 * GiB].map(formatBytes)).toEqual(['0B', '512B', '1.5K', '10K', '1.0M', '23M', '1.3G']);
  });

  it('writes sizes in sentences with IEC units', () => {
    expect([0, 1000, 1536, 64 * MiB, 120 * GiB].map(formatBytesLong)).toEqual(['0 B', '1000 B', '1.5 KiB', '64.0 MiB', '120 GiB']);
  });

  it('keeps rates within 4 characters', () => {
    expect([0, 812, 999, 1000, 12 * 1024, 3.4 * MiB].map(formatRate)).toEqual(['0', '812', '999', '1.0K', '12K', '3.4M']);
  });

  it('writes durations coarsest-first, two units at most', () => {
    expect([0, 42, 723, 5 * 3600 + 7 * 60, 3 * 86400 + 4 * 3600, -3].map(formatDuration)).toEqual(['0s', '42s', '12m03s', '5h07m', '3d04h', '0s']);
  });
});
