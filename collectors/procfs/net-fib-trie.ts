/**
 * /proc/<pid>/net/fib_trie — the IPv4 routing tries (net/ipv4/fib_trie.c fib_trie_seq_show).
 * Local addresses are the leaves followed by a "/32 host LOCAL" line:
 *           |-- 10.88.0.2
 *              /32 host LOCAL
 * "/8 host LOCAL" under 127.0.0.0 is the loopback route, not an address. Both the Main and Local
 * tables are printed (merged tables print the same leaves twice), so results are de-duplicated.
 */
export function parseFibTrieLocalAddresses(text: string): string[] {
  const out = new Set<string>();
  let leaf: string | null = null;
  // Each line is read trimmed, the indentation dropped (one per network namespace of a host
  // with a thousand: a regular expression or three per line cost more than the reads).
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const t = line.trim();
    if (t.startsWith('|-- ') && IPV4.test(t.slice(4))) {
      leaf = t.slice(4);
      continue;
    }
    // A node (`+-- 10.0.0.0/8 2 1 2`), or a table's name at the start of a line (`Local:`).
    if (t.startsWith('+--') || (t !== '' && line.startsWith(t))) {
      leaf = null;
      continue;
    }
    if (leaf !== null && t === '/32 host LOCAL') out.add(leaf);
  }
  return [...out];
}

const IPV4 = /^\d+\.\d+\.\d+\.\d+$/;
