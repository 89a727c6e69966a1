#!/bin/bash
# v2vm.sh: a Debian 12 guest with systemd and a pure cgroup v2 hierarchy, booted with QEMU, with
# docker, podman, runc, crun, containerd, systemd-nspawn and LXC installed, driven through an agent
# that runs shell scripts sent over a 9p share. test/vm/README.md says why and how.
#
#   v2vm.sh build          build or reuse the cached image (kernel, rootfs, initrd, ext4 image)
#   v2vm.sh up             boot an instance (the image is opened snapshot=on: never written)
#   v2vm.sh run SCRIPT     run SCRIPT with bash in the guest as root; prints its stdout, then its
#                          stderr on stderr, and exits with its status (no stdin, no tty)
#   v2vm.sh put FILE...    copy files into the share (/mnt/share/NAME in the guest)
#   v2vm.sh install [REPO] ctrscope (REPO's built bundle) into the guest as /opt/ctrscope, with
#                          the host's node and guest-containers.sh (as guest-containers)
#   v2vm.sh down           stop the instance and remove its run directory
#   v2vm.sh status | console [N]
#   v2vm.sh check          why build or up cannot run here (exit 1, one line), or nothing
#
# Environment:
#   V2VM_DIR      build cache, shared by every instance on this machine (/var/tmp/ctrscope-v2vm)
#   V2VM_RUN      one instance's directory: share, qemu pid, console log ($V2VM_DIR/run)
#   V2VM_ACCEL    tcg (default) or kvm      V2VM_MEM (4G)  V2VM_SMP (2)  V2VM_NICE (10)
#   V2VM_BOOT_TIMEOUT (300 s)  V2VM_TIMEOUT (600 s per run)  V2VM_APPEND (extra kernel arguments)
#   V2VM_MIRROR, V2VM_SECMIRROR: Debian mirrors (default: this host's apt sources)
set -euo pipefail

D=${V2VM_DIR:-/var/tmp/ctrscope-v2vm}
RUN=${V2VM_RUN:-$D/run}
ACCEL=${V2VM_ACCEL:-tcg}
MEM=${V2VM_MEM:-4G}
SMP=${V2VM_SMP:-2}
NICE=${V2VM_NICE:-10}
SHARE=$RUN/share
# The user rootless podman runs as in the guest (uid 1500, subordinate ids 200000-265535).
GUEST_USER=ctrscope-v2
# What the guest image is built from; any change here rebuilds the root filesystem.
PKGS=systemd-sysv,apparmor,udev,dbus,dbus-user-session,docker.io,podman,catatonit,uidmap,runc,crun,containerd,systemd-container,lxc,busybox-static,iproute2,util-linux,kmod,ca-certificates,iptables,containernetworking-plugins,procps,jq
HERE=$(cd "$(dirname "$0")" && pwd)

host_uris() {
	if [ -f /etc/apt/sources.list.d/debian.sources ]; then awk '/^URIs:/{print $2}' /etc/apt/sources.list.d/debian.sources
	else awk '$1=="deb"{print $2}' /etc/apt/sources.list 2>/dev/null; fi
}
MIRROR=${V2VM_MIRROR:-$(host_uris | grep -v -- -security | head -n1 || true)}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
SECMIRROR=${V2VM_SECMIRROR:-$(host_uris | grep -- -security | head -n1 || true)}
SECMIRROR=${SECMIRROR:-http://deb.debian.org/debian-security}

ts() { date +%s.%N; }
el() { awk -v a="$1" -v b="$(ts)" 'BEGIN{printf "%.1f", b-a}'; }
say() { echo "[v2vm $(date +%T)] $*" >&2; }
die() { say "ERROR: $*"; exit 1; }
built() { [ -f "$D/root.img" ] && [ -f "$D/initrd.img" ] && [ -f "$D/kern/KVER" ]; }

# ---------------------------------------------------------------- what this machine lacks
why_not() {
	[ "$(id -u)" = 0 ] || { echo "needs root"; return; }
	command -v qemu-system-x86_64 >/dev/null || { echo "qemu-system-x86_64 not installed (apt-get install qemu-system-x86; .ci/setup-host.sh does)"; return; }
	built && [ "$(image_key)" = "$(cat "$D/.image-key" 2>/dev/null)" ] && return
	local t
	for t in mmdebstrap mkfs.ext4 apt-get dpkg-deb chroot; do
		command -v $t >/dev/null || { echo "the guest image is not built and $t is missing (Debian host with mmdebstrap and e2fsprogs needed)"; return; }
	done
}

# The build's inputs: this script and the guest agent. A change to either rebuilds what follows
# the root filesystem (the filesystem itself is keyed by the package list and mirrors).
image_key() { cat "$0" "$HERE/guest-agent.sh" | md5sum | cut -c1-12; }

# ---------------------------------------------------------------- build
kver() {
	apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/{sub("linux-image-","",$2); print $2; exit}'
}

step_kernel() {
	[ -f "$D/kern/KVER" ] && return
	local k; k=$(kver); [ -n "$k" ] || { apt-get update -qq; k=$(kver); }; [ -n "$k" ] || die "cannot determine the kernel version (apt-cache depends linux-image-amd64)"
	say "kernel linux-image-$k"
	rm -rf "$D/dl" "$D/kern.new"; mkdir -p "$D/dl" "$D/kern.new"
	(cd "$D/dl" && apt-get download "linux-image-$k" 2>&1 | grep -v '^W: Download is performed unsandboxed' || true)
	dpkg-deb -x "$D"/dl/linux-image-"$k"_*.deb "$D/kern.new"
	echo "$k" > "$D/kern.new/KVER"
	rm -rf "$D/kern" "$D/dl"; mv "$D/kern.new" "$D/kern"
}

step_rootfs() {
	local want; want=$(echo "$PKGS $MIRROR $SECMIRROR" | md5sum | cut -c1-12)
	[ "$(cat "$D/rootfs/.v2vm-base" 2>/dev/null)" = "$want" ] && return
	say "mmdebstrap bookworm"
	rm -rf "$D/rootfs.new"
	nice -n "$NICE" mmdebstrap --variant=minbase --aptopt='APT::Install-Recommends "false"' \
		--include="$PKGS" bookworm "$D/rootfs.new" \
		"deb $MIRROR bookworm main" "deb $MIRROR bookworm-updates main" "deb $SECMIRROR bookworm-security main" \
		> "$D/mmdebstrap.log" 2>&1 || { tail -20 "$D/mmdebstrap.log" >&2; die "mmdebstrap failed (log: $D/mmdebstrap.log)"; }
	echo "$want" > "$D/rootfs.new/.v2vm-base"
	rm -rf "$D/rootfs"; mv "$D/rootfs.new" "$D/rootfs"
}

step_configure() {
	local R=$D/rootfs k want; k=$(cat "$D/kern/KVER")
	want=$( (image_key; cat "$R/.v2vm-base") | md5sum | cut -c1-12)
	[ "$(cat "$R/.v2vm-configured" 2>/dev/null)" = "$want" ] && return
	say "configuring rootfs"
	# Kernel modules, minus hardware the guest never has.
	rm -rf "$R/lib/modules/$k"; mkdir -p "$R/lib/modules"
	cp -a "$D/kern/lib/modules/$k" "$R/lib/modules/"
	(cd "$R/lib/modules/$k/kernel" && rm -rf sound drivers/{gpu,media,infiniband,staging,scsi,usb,iio,hid,input,mtd,isdn,bluetooth,net/wireless,net/ethernet,net/can,hwmon,platform,video,misc,nfc,power} net/{bluetooth,wireless,mac80211})
	chroot "$R" depmod "$k"

	echo v2vm > "$R/etc/hostname"
	printf '127.0.0.1 localhost\n127.0.1.1 v2vm\n' > "$R/etc/hosts"
	cat > "$R/etc/fstab" <<-'EOF'
	/dev/vda   /          ext4  rw,noatime  0 0
	share      /mnt/share 9p    trans=virtio,version=9p2000.L,msize=524288,nofail,x-systemd.device-timeout=10s  0 0
	EOF
	mkdir -p "$R/mnt/share"
	printf '9p\n9pnet_virtio\noverlay\n' > "$R/etc/modules-load.d/v2vm.conf"
	chroot "$R" passwd -d root >/dev/null
	mkdir -p "$R/etc/systemd/system/serial-getty@ttyS0.service.d"
	cat > "$R/etc/systemd/system/serial-getty@ttyS0.service.d/autologin.conf" <<-'EOF'
	[Service]
	ExecStart=
	ExecStart=-/sbin/agetty --autologin root --keep-baud 115200,57600,38400,9600 %I $TERM
	EOF
	# User-mode network through systemd-networkd (DHCP from QEMU's slirp); no registry is used.
	mkdir -p "$R/etc/systemd/network"
	printf '[Match]\nName=en* eth*\n[Network]\nDHCP=ipv4\n' > "$R/etc/systemd/network/10-v2vm.network"
	chroot "$R" systemctl enable systemd-networkd.service >/dev/null 2>&1
	echo 'nameserver 10.0.2.3' > "$R/etc/resolv.conf"
	# Units that only cost boot time.
	for u in systemd-networkd-wait-online.service apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer \
	         e2scrub_reap.service fstrim.timer podman-auto-update.timer dpkg-db-backup.timer getty@tty1.service \
	         systemd-journal-flush.service lxc-net.service lxc.service lxc-monitord.service \
	         podman.service podman.socket podman-restart.service podman-auto-update.service; do
		ln -sf /dev/null "$R/etc/systemd/system/$u"
	done
	mkdir -p "$R/etc/systemd/journald.conf.d"
	printf '[Journal]\nStorage=volatile\n' > "$R/etc/systemd/journald.conf.d/v2vm.conf"
	# docker keeps Debian's defaults (cgroup v2, so the systemd driver) plus crun as a runtime.
	mkdir -p "$R/etc/docker"
	echo '{ "runtimes": { "crun": { "path": "/usr/bin/crun" } } }' > "$R/etc/docker/daemon.json"

	# Rootless podman's user: lingering (its systemd --user starts at boot, so podman has a user
	# bus for the systemd cgroup manager) with every controller delegated to user@.service
	# (systemd delegates only memory and pids by default).
	chroot "$R" useradd -m -u 1500 -s /bin/sh "$GUEST_USER" 2>/dev/null || true
	printf '%s:200000:65536\n' "$GUEST_USER" > "$R/etc/subuid"
	printf '%s:200000:65536\n' "$GUEST_USER" > "$R/etc/subgid"
	mkdir -p "$R/var/lib/systemd/linger"; touch "$R/var/lib/systemd/linger/$GUEST_USER"
	mkdir -p "$R/etc/systemd/system/user@.service.d"
	printf '[Service]\nDelegate=cpu cpuset io memory pids\n' > "$R/etc/systemd/system/user@.service.d/delegate.conf"

	install -m 755 "$HERE/guest-agent.sh" "$R/usr/local/sbin/v2vm-agent"
	cat > "$R/etc/systemd/system/v2vm-agent.service" <<-'EOF'
	[Unit]
	Description=v2vm command agent (9p spool)
	After=mnt-share.mount local-fs.target
	Wants=mnt-share.mount
	[Service]
	ExecStart=/usr/local/sbin/v2vm-agent
	Restart=always
	KillMode=process
	[Install]
	WantedBy=multi-user.target
	EOF
	chroot "$R" systemctl enable v2vm-agent.service >/dev/null 2>&1

	# A busybox root filesystem to import as an image (docker/podman import, ctr, nspawn, LXC).
	local B; B=$(mktemp -d)
	mkdir -p "$B/bin" "$B/etc" "$B/proc" "$B/sys" "$B/dev" "$B/tmp" "$B/root" "$B/usr/lib"
	cp "$R/bin/busybox" "$B/bin/"
	for a in $("$R/bin/busybox" --list); do [ "$a" = busybox ] || ln -sf busybox "$B/bin/$a"; done
	printf 'root:x:0:0:root:/root:/bin/sh\n' > "$B/etc/passwd"; printf 'root:x:0:\n' > "$B/etc/group"
	printf 'ID=busybox\nNAME=busybox\n' > "$B/usr/lib/os-release"
	mkdir -p "$R/opt/v2vm"; tar -C "$B" -cf "$R/opt/v2vm/busybox-rootfs.tar" .; rm -rf "$B"
	rm -rf "$R"/var/cache/apt/archives/*.deb "$R"/var/lib/apt/lists/*_Packages
	echo "$want" > "$R/.v2vm-configured"
	rm -f "$D/root.img" "$D/initrd.img"
}

step_initrd() {
	[ -f "$D/initrd.img" ] && return
	local R=$D/rootfs k I; k=$(cat "$D/kern/KVER"); I=$(mktemp -d)
	say "initrd"
	mkdir -p "$I"/{bin,dev,proc,sys,newroot,mods}
	cp "$R/bin/busybox" "$I/bin/"
	local n=0 m
	for m in $(chroot "$R" modprobe -a -S "$k" --show-depends crc32c_generic crc32c-intel virtio_pci virtio_blk ext4 2>/dev/null | awk '$1=="insmod"{print $2}' | awk '!s[$0]++'); do
		n=$((n+1)); cp "$R$m" "$I/mods/$(printf %02d $n)-$(basename "$m")"
	done
	cat > "$I/init" <<-'EOF'
	#!/bin/busybox sh
	/bin/busybox --install -s /bin
	mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
	for m in /mods/*.ko; do insmod $m 2>/dev/null; done
	for i in $(seq 200); do [ -b /dev/vda ] && break; sleep 0.05; done
	mount -t ext4 -o rw,noatime /dev/vda /newroot || { echo "v2vm-initrd: cannot mount /dev/vda"; exec sh; }
	umount /proc /sys; mount --move /dev /newroot/dev 2>/dev/null || umount /dev
	exec switch_root /newroot /sbin/init
	EOF
	chmod 755 "$I/init"
	(cd "$I" && find . | "$R/bin/busybox" cpio -o -H newc 2>/dev/null) > "$D/initrd.img.new"
	mv "$D/initrd.img.new" "$D/initrd.img"; rm -rf "$I"
}

step_image() {
	[ -f "$D/root.img" ] && return
	say "ext4 image"
	local mb; mb=$(du -sm "$D/rootfs" | cut -f1); mb=$((mb + 3072))
	rm -f "$D/root.img.new"
	mkfs.ext4 -q -F -L v2root -O ^has_journal -d "$D/rootfs" "$D/root.img.new" "${mb}M"
	mv "$D/root.img.new" "$D/root.img"
	image_key > "$D/.image-key"
}

cmd_build() {
	local why; why=$(why_not); [ -z "$why" ] || die "$why"
	mkdir -p "$D"
	# One build at a time on this machine; a second caller waits and then finds it done.
	exec 7>"$D/build.lock"; flock 7
	local t0 t; t0=$(ts)
	t=$(ts); step_kernel;    say "kernel    $(el "$t")s"
	t=$(ts); step_rootfs;    say "rootfs    $(el "$t")s"
	t=$(ts); step_configure; say "configure $(el "$t")s"
	t=$(ts); step_initrd;    say "initrd    $(el "$t")s"
	t=$(ts); step_image;     say "image     $(el "$t")s"
	say "build done in $(el "$t0")s: $D/root.img ($(du -h "$D/root.img" | cut -f1) used)"
	exec 7>&-
}

# ---------------------------------------------------------------- run
running() { [ -f "$RUN/qemu.pid" ] && kill -0 "$(cat "$RUN/qemu.pid")" 2>/dev/null; }

cmd_up() {
	running && { say "already up (pid $(cat "$RUN/qemu.pid"))"; return; }
	built || die "not built: run $0 build"
	local k accel cpu t0; k=$(cat "$D/kern/KVER")
	mkdir -p "$SHARE/q"; rm -f "$SHARE/.ready" "$SHARE"/q/* "$RUN"/kick.in "$RUN"/kick.out
	mkfifo "$RUN/kick.in" "$RUN/kick.out"
	case $ACCEL in
		kvm) accel="-accel kvm"; cpu="host,-arch-capabilities" ;;
		*)   accel="-accel tcg,thread=multi,tb-size=512"; cpu=${V2VM_CPU:-max} ;;
	esac
	t0=$(ts)
	# shellcheck disable=SC2086
	nice -n "$NICE" qemu-system-x86_64 $accel -cpu "$cpu" -m "$MEM" -smp "$SMP" \
		-nodefaults -no-user-config -display none -no-reboot \
		-kernel "$D/kern/boot/vmlinuz-$k" -initrd "$D/initrd.img" \
		-append "root=/dev/vda rw console=ttyS0 systemd.unified_cgroup_hierarchy=1 mitigations=off panic=-1 loglevel=4 ${V2VM_APPEND:-}" \
		-drive "file=$D/root.img,if=virtio,format=raw,snapshot=on,cache=unsafe" \
		-virtfs "local,path=$SHARE,mount_tag=share,security_model=none,id=share" \
		-nic user,model=virtio-net-pci -device virtio-rng-pci \
		-device virtio-serial-pci -chardev "pipe,id=kick,path=$RUN/kick" -device virtserialport,chardev=kick,name=v2vm.kick \
		-serial "file:$RUN/console.log" -monitor "unix:$RUN/qemu.mon,server,nowait" \
		-pidfile "$RUN/qemu.pid" -daemonize
	say "qemu pid $(cat "$RUN/qemu.pid") ($ACCEL, $SMP vcpu, $MEM); waiting for the agent"
	local lim=${V2VM_BOOT_TIMEOUT:-300}
	while [ ! -f "$SHARE/.ready" ]; do
		running || { tail -30 "$RUN/console.log" >&2; die "qemu exited during boot"; }
		awk -v a="$t0" -v b="$(ts)" -v l="$lim" 'BEGIN{exit !(b-a>l)}' && { tail -30 "$RUN/console.log" >&2; die "boot timeout (${lim}s)"; }
		sleep 0.2
	done
	say "agent ready after $(el "$t0")s"
	local state
	state=$(cmd_run 'systemctl is-system-running --wait >/dev/null; systemctl is-system-running; systemctl --failed --no-legend --plain' || true)
	say "system up after $(el "$t0")s: $state"
}

cmd_run() {
	running || die "guest not running"
	[ $# -gt 0 ] || die "usage: run SCRIPT"
	local id f t0 lim; id=$(date +%s%N)-$$-$RANDOM; f=$SHARE/q/$id; t0=$(ts); lim=${V2VM_TIMEOUT:-600}
	printf '%s\n' "$*" > "$f.tmp"; mv "$f.tmp" "$f.cmd"
	{ exec 8<>"$RUN/kick.in"; echo >&8; exec 8>&-; } 2>/dev/null || true   # O_RDWR: never blocks
	while [ ! -f "$f.rc" ]; do
		running || die "guest died"
		awk -v a="$t0" -v b="$(ts)" -v l="$lim" 'BEGIN{exit !(b-a>l)}' && die "run timeout after ${lim}s ($f)"
		sleep 0.05
	done
	cat "$f.out"; cat "$f.err" >&2
	local rc; rc=$(cat "$f.rc"); rm -f "$f".*
	return "$rc"
}

cmd_put() { local x; for x in "$@"; do cp -a "$x" "$SHARE/"; done; }

# ctrscope onto the guest's disk (it starts faster there than from the share): the host's node
# (same glibc), the bundle `npm run build` (or the tests' global setup) made, its external
# dependencies, and guest-containers.sh as /usr/local/sbin/guest-containers.
cmd_install() {
	running || die "guest not running"
	local repo=${1:-$HERE/../..} mods
	[ -f "$repo/dist/ctrscope.mjs" ] || die "no $repo/dist/ctrscope.mjs: run npm run build"
	mods=$(cd "$repo" && node -e '
		const l = require("./package-lock.json"), fs = require("fs");
		console.log(Object.entries(l.packages).filter(([k, v]) => k.startsWith("node_modules/") && !v.dev && fs.existsSync(k)).map(([k]) => k).join("\n"));')
	cp "$(readlink -f "$(command -v node)")" "$SHARE/node"
	cp "$HERE/guest-containers.sh" "$SHARE/guest-containers.sh"
	# shellcheck disable=SC2086
	tar -C "$repo" -cf "$SHARE/ctrscope.tar" dist/ctrscope.mjs dist/chunks package.json $mods
	cmd_run 'set -e; rm -rf /opt/ctrscope; mkdir -p /opt/ctrscope; tar -C /opt/ctrscope -xf /mnt/share/ctrscope.tar
		install -m 755 /mnt/share/node /usr/local/bin/node; install -m 755 /mnt/share/guest-containers.sh /usr/local/sbin/guest-containers
		rm /mnt/share/ctrscope.tar /mnt/share/node /mnt/share/guest-containers.sh'
}

cmd_down() {
	if running; then
		local p; p=$(cat "$RUN/qemu.pid")
		# The disk is opened snapshot=on: stopping QEMU loses nothing.
		kill "$p"
		for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done
		kill -0 "$p" 2>/dev/null && { say "qemu $p still running after 10 s, killing it"; kill -9 "$p"; }
		say "down"
	fi
	rm -rf "$RUN"
}

c=${1:-}; shift || true
case $c in
	build) cmd_build ;;
	up) cmd_up ;;
	run) cmd_run "$@" ;;
	put) cmd_put "$@" ;;
	install) cmd_install "$@" ;;
	down) cmd_down ;;
	check) why=$(why_not); [ -z "$why" ] || { echo "$why"; exit 1; } ;;
	status) if running; then echo "up (pid $(cat "$RUN/qemu.pid"))"; else echo down; fi ;;
	console) tail -n "${1:-50}" "$RUN/console.log" ;;
	*) sed -n '2,20p' "$0"; exit 2 ;;
esac
