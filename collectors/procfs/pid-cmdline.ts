/**
 * /proc/<pid>/cmdline — NUL-separated argv (proc(5)); empty for kernel threads and zombies.
 * A process may rewrite its argv area (e.g. `[lxc monitor] /var/lib/lxc c1` is one string with
 * spaces), so callers must not assume one word per element.
 */
export function parseCmdline(bytes: Buffer | string): string[] {
  const text = typeof bytes === 'string' ? bytes : bytes.toString('utf8');
  if (text === '') return [];
  const parts = text.split('\0');
  if (parts[parts.length - 1] === '') parts.pop();
  return parts;
}
