/**
 * deploy/kubernetes/: every manifest validates against Kubernetes' own schemas (kubernetes-models),
 * and the DaemonSet is the pattern the README promises: the host's pid namespace, the host root
 * read-only at /host with HostToContainer propagation, a read-only root filesystem, every
 * capability dropped but the measured ones, tolerations for every taint, scrape annotations.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { DEFAULT_PORT } from '../../src/cli/commands/serve.js';

const DIR = fileURLToPath(new URL('../../deploy/kubernetes/', import.meta.url));
const KINDS: Record<string, new (data: never) => { validate(): void }> = { DaemonSet, Namespace, Service, ServiceAccount };

function manifests(): Array<{ file: string; doc: Record<string, unknown> }> {
  return readdirSync(DIR)
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((file) => parseAllDocuments(readFileSync(DIR + file, 'utf8')).map((d) => ({ file, doc: d.toJS() as Record<string, unknown> })));
}

describe('deploy/kubernetes', () => {
  it('every manifest is a known kind and validates against the Kubernetes schema', () => {
    const all = manifests();
    expect(all.map((m) => m.doc['kind']).sort()).toEqual(['DaemonSet', 'Namespace', 'Service', 'ServiceAccount']);
    for (const { file, doc } of all) {
      const Kind = KINDS[doc['kind'] as string];
      expect(Kind, file).toBeDefined();
      expect(() => new (Kind as NonNullable<typeof Kind>)(doc as never).validate(), file).not.toThrow();
    }
  });

  it('a manifest that breaks the schema is refused', () => {
    const ds = manifests().find((m) => m.doc['kind'] === 'DaemonSet')?.doc as { spec: { template: { spec: { hostPID: unknown } } } };
    ds.spec.template.spec.hostPID = 'yes';
    expect(() => new DaemonSet(ds as never).validate()).toThrow();
  });

  it('the DaemonSet runs serve on the node_exporter pattern', () => {
    const ds = new DaemonSet(manifests().find((m) => m.doc['kind'] === 'DaemonSet')?.doc as never);
    const pod = ds.spec?.template.spec;
    const c = pod?.containers[0];
    expect(pod?.hostPID).toBe(true);
    expect(pod?.tolerations).toEqual([{ operator: 'Exists' }]);
    expect(c?.args).toEqual(['--root', '/host', 'serve', '--listen', `:${DEFAULT_PORT}`]);
    expect(c?.ports?.[0]?.containerPort).toBe(DEFAULT_PORT);
    expect(c?.securityContext?.readOnlyRootFilesystem).toBe(true);
    expect(c?.securityContext?.allowPrivilegeEscalation).toBe(false);
    expect(c?.securityContext?.capabilities?.drop).toEqual(['ALL']);
    expect(c?.securityContext?.privileged).toBeUndefined();
    const mount = c?.volumeMounts?.find((m) => m.mountPath === '/host');
    expect(mount).toMatchObject({ readOnly: true, mountPropagation: 'HostToContainer' });
    expect(pod?.volumes?.find((v) => v.name === mount?.name)?.hostPath?.path).toBe('/');
    expect(ds.spec?.template.metadata?.annotations).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(DEFAULT_PORT) });
    expect(c?.resources?.limits?.['memory']).toBeDefined();
    expect(c?.resources?.requests?.['cpu']).toBeDefined();
  });
});
