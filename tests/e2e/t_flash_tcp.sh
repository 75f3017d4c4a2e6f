# t_flash_tcp.sh - flashing over TCP, hosts served one after another, loop devices as targets.
. tests/e2e/lib.sh

mkimg "$T/img" 20M 4
gzip -c "$T/img" >"$T/img.gz"
want=$(sha "$T/img")
truncate -s 24M "$T/disk" "$T/lo.img"
lo=$(loopdev "$T/lo.img")

start_tcp_agent --target disk="$T/disk" --target lo="$lo"
expect_exit 0 "$IFL" -c "tcp:127.0.0.1:$PORT" flash disk "$T/img"
[ "$(sha "$T/disk" 0 20971520)" = "$want" ] || fail "tcp raw flash differs"

# The same agent serves the next host: a gzip image to the loop device.
expect_exit 0 "$IFL" -c "tcp:127.0.0.1:$PORT" flash lo "$T/img.gz"
[ "$(sha "$lo" 0 20971520)" = "$want" ] || fail "tcp flash to loop device differs"

# And exec: into a loop device.
dd if=/dev/zero of="$lo" bs=1M count=24 status=none
expect_exit 0 "$IFL" -c "$(exec_conn --target lo="$lo")" flash lo "$T/img.gz"
[ "$(sha "$lo" 0 20971520)" = "$want" ] || fail "exec flash to loop device differs"
kill -0 "$AGENT_PID" || fail "agent died"
echo ok
