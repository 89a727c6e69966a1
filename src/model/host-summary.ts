/** Host-wide figures for the top header: load, memory, CPUs, uptime. Null where unreadable. */
export interface HostSummary {
  /** Seconds since boot (/proc/uptime), the clock container start times are measured against. */
  readonly uptimeSec: number | null;
  readonly load: readonly [number, number, number] | null;
  /** Online CPUs as /proc/stat lists them (cpuN lines). */
  readonly cpuCount: number | null;
  readonly memTotalBytes: number | null;
  /** MemAvailable (Linux 3.14+): what the kernel estimates can be had without swapping. */
  readonly memAvailableBytes: number | null;
}
