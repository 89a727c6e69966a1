#!/bin/bash
# Record samples/v2-systemd: boot a guest, start every container group of guest-containers.sh,
# run `ctrscope snapshot` there and unpack the archive into OUT (default samples/v2-systemd).
# Needs a built bundle (npm run build). samples/v2-systemd/README.md says what is true in it.
set -euo pipefail
# `ctrscope snapshot` scrubs environments in JSON files but records containerd's meta.db and
# podman's bolt_state.db as they are, and both keep each container's OCI spec, "env" included.
# Mask every value there with as many '*' (the same length keeps the databases readable).
mask_bolt_env() {
	find "$1" -name '*.db' -type f -print0 | xargs -0 -r node -e '
		const fs = require("fs");
		for (const f of process.argv.slice(1)) {
			const text = fs.readFileSync(f).toString("latin1");
			const masked = text.replace(/"env":\[[^\]]*\]/gi, (arr) => arr.replace(/"([^"=]+)=([^"]*)"/g, (_, k, v) => `"${k}=${"*".repeat(v.length)}"`));
			if (masked !== text) fs.writeFileSync(f, Buffer.from(masked, "latin1"));
		}'
}
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
OUT=${1:-$REPO/samples/v2-systemd}
export V2VM_RUN=${V2VM_DIR:-/var/tmp/ctrscope-v2vm}/run-record-$$
V="$HERE/v2vm.sh"
trap 'bash "$V" down' EXIT
bash "$V" build
bash "$V" up
bash "$V" install "$REPO"
bash "$V" run 'guest-containers start docker podman rootless runc nspawn ctr lxc'
# What the engines say, for the README, next to what ctrscope recorded.
bash "$V" run 'cd /; set -x
	node /opt/ctrscope/dist/ctrscope.mjs snapshot /mnt/share/v2-systemd.tar.gz
	node /opt/ctrscope/dist/ctrscope.mjs --root /mnt/share/v2-systemd.tar.gz ps
	uname -r; systemctl --version | head -1; docker version -f "{{.Server.Version}}"; podman --version; runc --version | head -1; crun --version | head -1; lxc-start --version
	docker ps --no-trunc --format "{{.ID}} {{.Names}} {{.Image}}"; docker inspect -f "{{.Name}} {{.State.Pid}} {{.HostConfig.Runtime}} {{.HostConfig.Memory}} {{.HostConfig.NanoCpus}} {{.HostConfig.PidsLimit}}" $(docker ps -q)
	podman ps -a --no-trunc --pod --format "{{.ID}} {{.Names}} {{.Pod}} {{.PodName}} {{.Image}}"; podman inspect -f "{{.Name}} {{.State.Pid}} {{.State.ConmonPid}} {{.OCIRuntime}} {{.State.CgroupPath}}" $(podman ps -aq)
	cd / && runuser -u ctrscope-v2 -- env HOME=/home/ctrscope-v2 XDG_RUNTIME_DIR=/run/user/1500 podman inspect -f "{{.Id}} {{.Name}} {{.State.Pid}} {{.State.ConmonPid}} {{.State.CgroupPath}}" ctrscope-v2-rl
	runc list; machinectl list; machinectl show ctrscope-v2-ns; ctr -n ctrscope-v2 task ls; lxc-info -P /var/lib/ctrscope-v2-lxc -n ctrscope-v2-lxc
	for p in /proc/[0-9]*; do c=$(grep "^0::/\(system.slice/docker\|system.slice/runc\|machine.slice\|user.slice/user-1500\|ctrscope\|lxc\)" $p/cgroup 2>/dev/null) && echo "${p#/proc/} $(cat $p/comm) $c"; done
	cat /proc/1/cgroup'
rm -rf "$OUT"; mkdir -p "$OUT"
tar -C "$OUT" -xzf "$V2VM_RUN/share/v2-systemd.tar.gz"
mask_bolt_env "$OUT"
du -sh --apparent-size "$OUT"
