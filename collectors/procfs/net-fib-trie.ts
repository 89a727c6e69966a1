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
  for (const line of text.split('\n')) {
    const m = /^\s*\|-- (\d+\.\d+\.\d+\.\d+)\s*$/.exec(line);
    if (m) {
      leaf = m[1] as string;
      continue;
    }
    if (/^\s*\+--/.test(line) || /^\S/.test(line)) {
      leaf = null;
      continue;
    }
    if (leaf !== null && /^\s*\/32 host LOCAL\s*$/.test(line)) out.add(leaf);
  }
  return [...out];
}
