/** Per-container filesystem and network detail, collected after containers are decided. */
import type { ContainerFs } from './mount.js';
import type { ContainerNetwork } from './network.js';

export interface ContainerDetails {
  /** null when the container shares the host's mount namespace (its mounts are the host's). */
  readonly fs: ContainerFs | null;
  readonly network: ContainerNetwork;
}
