#!/bin/bash
# Runs in the guest as root: start or remove this project's containers, one group at a time.
#   guest-containers.sh start GROUP...   (docker podman rootless runc nspawn ctr lxc)
#   guest-containers.sh stop GROUP...
# Every name starts with ctrscope-v2-. The limits are the facts the tests and the recorded sample
# check (test/vm/README.md lists them); change them in both places.
set -euo pipefail
P=ctrscope-v2
TAR=/opt/v2vm/busybox-rootfs.tar
RL_USER=ctrscope-v2
as_user() { cd / && runuser -u "$RL_USER" -- env HOME=/home/$RL_USER XDG_RUNTIME_DIR=/run/user/1500 DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/1500/bus PATH=/usr/bin:/bin "$@"; }

start_docker() {
	docker image inspect $P-bb:1 >/dev/null 2>&1 || docker import $TAR $P-bb:1 >/dev/null
	# runc (the default): limits on docker-<id>.scope. The environment holds a planted secret that
	# a recording must scrub (samples/v2-systemd is checked for it).
	docker run -d --name $P-dk-runc --env CTRSCOPE_V2_TOKEN=v2-planted-secret-8f3e1d --memory 64m --memory-swap 64m --cpus 0.5 --pids-limit 40 $P-bb:1 sleep 3600 >/dev/null
	# crun: crun puts the process in <scope>/container and writes the limits there; without
	# --pids-limit, the scope's TasksMax (systemd's DefaultTasksMax) is the binding pids limit.
	docker run -d --name $P-dk-crun --runtime crun --memory 48m --memory-swap 48m --cpus 0.25 $P-bb:1 sleep 3600 >/dev/null
	# An OOM kill: the 64 MiB dd buffer cannot fit under 32 MiB; the shell survives it.
	docker run -d --name $P-dk-oom --memory 32m --memory-swap 32m $P-bb:1 sh -c 'dd if=/dev/zero of=/dev/null bs=64M count=1; touch /tmp/oom-done; sleep 3600' >/dev/null
	for _ in $(seq 300); do docker exec $P-dk-oom test -e /tmp/oom-done 2>/dev/null && break; sleep 0.2; done
	# Disk writes charged to dk-runc's cgroup: fsync makes the writeback happen now.
	docker exec $P-dk-runc dd if=/dev/zero of=/tmp/io-fill bs=1M count=8 conv=fsync 2>/dev/null
}
stop_docker() { docker rm -f $P-dk-runc $P-dk-crun $P-dk-oom $P-dk-busy >/dev/null 2>&1 || true; docker rmi $P-bb:1 >/dev/null 2>&1 || true; }

start_podman() {
	podman image exists localhost/$P-bb:1 || podman import -q $TAR localhost/$P-bb:1 >/dev/null
	# crun (podman's default): <scope>/container, like docker with crun.
	podman run -d --name $P-pm-crun --memory 32m --memory-swap 32m --cpus 0.5 --pids-limit 30 --cgroup-conf memory.high=25165824 localhost/$P-bb:1 sleep 3600 >/dev/null
	podman run -d --name $P-pm-runc --runtime runc --memory 40m --memory-swap 40m --cpus 0.2 localhost/$P-bb:1 sleep 3600 >/dev/null
	podman pod create --name $P-pod >/dev/null
	podman run -d --pod $P-pod --name $P-pod-a --memory 24m --memory-swap 24m localhost/$P-bb:1 sleep 3600 >/dev/null
	podman run -d --pod $P-pod --name $P-pod-b localhost/$P-bb:1 sleep 3600 >/dev/null
}
stop_podman() {
	podman pod rm -f -t 0 $P-pod >/dev/null 2>&1 || true
	podman rm -f -t 0 $P-pm-crun $P-pm-runc >/dev/null 2>&1 || true
	podman rmi -f localhost/$P-bb:1 >/dev/null 2>&1 || true
}

start_rootless() {
	# user@1500.service has cpu, memory and pids delegated: the limits are real.
	as_user podman image exists localhost/$P-bb:1 || as_user podman import -q $TAR localhost/$P-bb:1 >/dev/null
	as_user podman run -d --name $P-rl --network none --memory 20m --memory-swap 20m --cpus 0.3 --pids-limit 25 localhost/$P-bb:1 sleep 3600 >/dev/null
}
stop_rootless() { as_user podman rm -f -t 0 $P-rl >/dev/null 2>&1 || true; as_user podman rmi -f localhost/$P-bb:1 >/dev/null 2>&1 || true; }

start_runc() {
	local B=/var/lib/$P/runc
	rm -rf $B; mkdir -p $B/rootfs; tar -C $B/rootfs -xf $TAR
	(cd $B && runc spec)
	# The systemd driver's cgroupsPath is slice:prefix:name (runc-<name>.scope in system.slice);
	# memory.high has no OCI field, so it goes through the v2-only "unified" map.
	jq --arg cg "system.slice:runc:$P-runc" '.process.terminal = false | .process.args = ["sleep", "3600"] | .linux.cgroupsPath = $cg
		| .linux.resources += {memory: {limit: 25165824}, cpu: {quota: 10000, period: 100000}, pids: {limit: 20}, unified: {"memory.high": "20971520"}}' \
		$B/config.json > $B/config.new && mv $B/config.new $B/config.json
	runc --systemd-cgroup run -d --bundle $B $P-runc >/dev/null 2>&1 </dev/null
}
stop_runc() { runc kill $P-runc KILL >/dev/null 2>&1 || true; sleep 0.5; runc delete -f $P-runc >/dev/null 2>&1 || true; rm -rf /var/lib/$P/runc; }

start_nspawn() {
	local M=/var/lib/machines/$P-ns
	rm -rf $M; mkdir -p $M; tar -C $M -xf $TAR
	# Registered with machined (the default): machine-<name>.scope under machine.slice.
	systemd-run -q --unit $P-nspawn -p KillMode=mixed systemd-nspawn -q --console=pipe -D $M -M $P-ns --property=MemoryMax=52428800 \
		/bin/sh -c 'sleep 3600 & sleep 3600 & wait'
	for _ in $(seq 150); do machinectl show $P-ns >/dev/null 2>&1 && break; sleep 0.2; done
}
stop_nspawn() { machinectl terminate $P-ns >/dev/null 2>&1 || true; systemctl stop $P-nspawn >/dev/null 2>&1 || true; rm -rf /var/lib/machines/$P-ns; }

start_ctr() {
	# Its own containerd namespace, with the image docker imported (ctr needs an image archive).
	docker image inspect $P-bb:1 >/dev/null 2>&1 || docker import $TAR $P-bb:1 >/dev/null
	docker save -o /var/lib/$P-ctr-image.tar $P-bb:1
	ctr -n $P images import /var/lib/$P-ctr-image.tar >/dev/null
	rm -f /var/lib/$P-ctr-image.tar
	ctr -n $P run -d --memory-limit 31457280 docker.io/library/$P-bb:1 $P-ctr sleep 3600 >/dev/null
}
stop_ctr() {
	ctr -n $P task kill -a -s SIGKILL $P-ctr >/dev/null 2>&1 || true; sleep 0.5
	ctr -n $P task rm -f $P-ctr >/dev/null 2>&1 || true; ctr -n $P containers rm $P-ctr >/dev/null 2>&1 || true
	ctr -n $P images rm docker.io/library/$P-bb:1 >/dev/null 2>&1 || true
}

start_lxc() {
	local L=/var/lib/$P-lxc N=$P-lxc
	rm -rf $L; mkdir -p $L/$N/rootfs; tar -C $L/$N/rootfs -xf $TAR
	mkdir -p $L/$N/rootfs/sbin; printf '#!/bin/sh\nsleep 3600 &\nsleep 3600 &\nwait\n' > $L/$N/rootfs/sbin/init; chmod 755 $L/$N/rootfs/sbin/init
	printf '%s\n' "lxc.uts.name = $N" "lxc.rootfs.path = dir:$L/$N/rootfs" 'lxc.net.0.type = empty' 'lxc.apparmor.profile = unconfined' \
		'lxc.cgroup2.memory.max = 41943040' 'lxc.cgroup2.pids.max = 15' > $L/$N/config
	lxc-start -P $L -n $N -d -o $L/$N.log
	for _ in $(seq 100); do [ "$(lxc-info -P $L -n $N -p -H 2>/dev/null)" -gt 0 ] 2>/dev/null && break; sleep 0.2; done
}
stop_lxc() { lxc-stop -P /var/lib/$P-lxc -n $P-lxc -k >/dev/null 2>&1 || true; rm -rf /var/lib/$P-lxc; }

verb=${1:-}; shift || true
case $verb in
	start|stop) for g in "$@"; do "${verb}_$g"; done ;;
	*) sed -n '2,6p' "$0"; exit 2 ;;
esac
