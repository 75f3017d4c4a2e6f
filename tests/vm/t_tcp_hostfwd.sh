#!/bin/bash
# t_tcp_hostfwd.sh - a host process outside the VM drives the agent over TCP (QEMU hostfwd).
. "$(dirname "$0")/lib.sh"

mkimg "$T/img" 16M 31
gzip -c "$T/img" >"$T/img.gz"
truncate -s 32M "$T/sd.img"
truncate -s 24M "$T/nv.img"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

cat >"$T/host.sh" <<HOST
set -e
"$IFL" -c "tcp:127.0.0.1:\$VDUT_PORT" info
"$IFL" -c "tcp:127.0.0.1:\$VDUT_PORT" flash mmcblk0 "$T/img.gz" nvme0n1 "$T/img"
"$IFL" -c "tcp:127.0.0.1:\$VDUT_PORT" verify mmcblk0 "$T/img"
HOST

"$VDUT" -q --log "$BUILD/vm-logs/t_tcp_hostfwd.console" --hostfwd "$port" --mmc "$T/sd.img" --nvme "$T/nv.img" --timeout 300 \
	--host-cmd "bash $T/host.sh" || fail "host commands over TCP failed"
[ "$(sha "$T/sd.img" 16777216)" = "$(sha "$T/img")" ] || fail "mmcblk0 backing file differs"
[ "$(sha "$T/nv.img" 16777216)" = "$(sha "$T/img")" ] || fail "nvme0n1 backing file differs"
echo "ok: flashed over TCP through QEMU user networking"
