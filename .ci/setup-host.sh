#!/usr/bin/env bash
# Install and start what the integration tests need on a fresh Debian machine. Idempotent: a
# developer can run it again on a machine that already has everything.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

# catatonit: podman's pod infra container (podman builds its pause image from it);
# uidmap: newuidmap/newgidmap for rootless podman.
# runc, lxc, systemd-container (systemd-nspawn) and busybox-static (their root filesystems):
# test/integration/{runc,lxc,nspawn}.test.ts, which need nothing started.
# containerd: ctr, for test/integration/ctr.test.ts (dockerd starts the daemon itself).
# prometheus: a real Prometheus server and promtool for test/integration/serve-*.test.ts (the
# tests run their own server on 127.0.0.1; the package's service is not needed).
pkgs=(docker.io containerd podman catatonit runc busybox-static systemd-container tmux lxc uidmap iproute2 util-linux procps prometheus)
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  # With recommends, as on the developers' machines: podman's (slirp4netns, fuse-overlayfs) and
  # docker's change how they set up storage and networks, which the tests assert.
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# The cgroup v2 guest (test/vm/v2vm.sh, test/integration/v2/): QEMU to run it, mmdebstrap and
# e2fsprogs to build its image on the first run (cached under /var/tmp/ctrscope-v2vm afterwards).
# Without recommends: QEMU's pull in firmware and display libraries the headless guest never uses.
vm_pkgs=(qemu-system-x86 mmdebstrap e2fsprogs)
vm_missing=()
for p in "${vm_pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || vm_missing+=("$p"); done
if [ ${#vm_missing[@]} -gt 0 ]; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${vm_missing[@]}" >/dev/null
fi

# dockerd (with the containerd it supervises) started by hand: there is no systemd here.
if ! docker info >/dev/null 2>&1; then
  nohup dockerd >/var/log/ctrscope-dockerd.log 2>&1 &
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { echo "dockerd did not start; see /var/log/ctrscope-dockerd.log"; exit 1; }
fi
