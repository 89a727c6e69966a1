#!/bin/bash
# The guest's command agent (installed as /usr/local/sbin/v2vm-agent, started by systemd): runs
# each /mnt/share/q/<id>.cmd with bash as root, writing <id>.out, <id>.err and then <id>.rc.
# The host writes a byte to the v2vm.kick virtio port after queueing a command, so the agent
# wakes at once; without the port it polls the queue every 0.25 s.
S=/mnt/share Q=/mnt/share/q
for _ in $(seq 100); do mountpoint -q $S && break; sleep 0.1; done
mountpoint -q $S || { echo "share not mounted" >&2; exit 1; }
mkdir -p $Q
cut -d' ' -f1 /proc/uptime > $S/.ready.tmp && mv $S/.ready.tmp $S/.ready
K=/dev/virtio-ports/v2vm.kick
for _ in $(seq 50); do [ -e $K ] && break; sleep 0.1; done
if [ -e $K ]; then exec 9<$K; T=5; else rm -f /run/v2vm.fifo; mkfifo /run/v2vm.fifo; exec 9<>/run/v2vm.fifo; T=0.25; fi
export HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
cd /root || exit 1
while :; do
	for f in $Q/*.cmd; do
		[ -e "$f" ] || continue
		id=${f%.cmd}
		mv "$f" "$id.run" 2>/dev/null || continue
		( bash "$id.run" > "$id.out" 2> "$id.err" < /dev/null; echo $? > "$id.rc.tmp"; mv "$id.rc.tmp" "$id.rc" ) &
	done
	read -r -t $T -u 9 _; [ $? -eq 1 ] && sleep 0.5   # 1: EOF (the host side of the port is not open)
done
