/** `which` takes an interface as `ip link` prints it: `veth1a2b@if6:`. */
import { describe, expect, it } from 'vitest';
import { interfaceNames } from '../../../src/model/which.js';

describe('interfaceNames', () => {
  it.each([
    ['veth1a2b', ['veth1a2b']],
    ['veth1a2b@if6:', ['veth1a2b@if6', 'veth1a2b']],
    ['veth1a2b@if6', ['veth1a2b@if6', 'veth1a2b']],
    ['eth0@NONE:', ['eth0@NONE', 'eth0']],
    ['br0:', ['br0']],
  ])('%s', (typed, names) => {
    expect(interfaceNames(typed)).toEqual(names);
  });
});
