/**
 * JSON of a container's filesystem and network detail (`rootfs`, `mounts`, `network`, plus the
 * gaps that left parts of them out). Pure; the shapes are in ctrscope.schema.json.
 */
import type { ContainerDetails } from '../../src/model/details.js';
import type { Layer, RootFs } from '../../src/model/mount.js';

function layerToJson(l: Layer): Record<string, unknown> {
  return { path: l.path, dir: l.dir, layerId: l.layerId, role: l.role, ...(l.gap ? { gap: l.gap } : {}) };
}

function rootfsToJson(r: RootFs): Record<string, unknown> {
  const o = r.overlay;
  return {
    fsType: r.fsType,
    source: r.source,
    readOnly: r.readOnly,
    hostPath: r.hostPath,
    overlay:
      o === null
        ? null
        : // The model's own fields, in its order; only the layers need converting.
          { ...o, lowerdirs: o.lowerdirs.map(layerToJson), dataDirs: o.dataDirs.map(layerToJson), upperdir: o.upperdir === null ? null : layerToJson(o.upperdir) },
    ...(r.upperSize ? { upperSize: r.upperSize } : {}),
  };
}

/** The fields a container gains; a container with no collected detail gets nulls and empties. */
export function detailsToJson(d: ContainerDetails | undefined): Record<string, unknown> {
  const fs = d?.fs ?? null;
  const net = d?.network ?? null;
  return {
    rootfs: fs?.rootfs ? rootfsToJson(fs.rootfs) : null,
    mounts: fs?.mounts ?? [],
    network:
      net === null
        ? null
        : {
            mode: net.mode,
            netns: net.netns,
            sharedWith: net.sharedWith,
            sysfs: net.ns?.sysfs ?? null,
            interfaces: net.ns?.interfaces ?? [],
            defaultRoutes: net.ns?.defaultRoutes ?? [],
            listening: net.ns?.listening ?? [],
          },
    detailGaps: [...(fs?.gaps ?? []), ...(net?.ns?.gaps ?? [])],
  };
}
