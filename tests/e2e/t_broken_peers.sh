# t_broken_peers.sh - corrupt and oversized frames, and peers that vanish mid-stream.
. tests/e2e/lib.sh

mkimg "$T/img" 40M 6
truncate -s 64M "$T/disk"
dd if=/dev/urandom of="$T/disk" bs=1M count=64 status=none
cp "$T/disk" "$T/orig"

# A host sending broken frames gets ERROR code 1 and its session closed;
# the agent keeps serving the next host.
start_tcp_agent --target disk="$T/disk"
for kind in crc magic version oversize type seq; do
	python3 tests/e2e/peer.py badframe 127.0.0.1 "$PORT" "$kind" || fail "agent mishandled a $kind frame"
done
cmp -s "$T/disk" "$T/orig" || fail "broken frames changed the target"
expect_exit 0 "$IFL" -c "tcp:127.0.0.1:$PORT" info

# An agent sending broken frames: the host fails with the connection code.
for kind in crc oversize garbage; do
	expect_exit 3 "$IFL" -c "exec:python3 tests/e2e/peer.py fakeagent $kind" flash disk "$T/img"
done

# The agent's input cut mid-stream: host reports a connection failure, never success,
# and nothing outside the requested range changed.
expect_exit 3 "$IFL" -c "exec:python3 tests/e2e/peer.py cut 3000000 $AGENT --stdio --no-scan --target disk=$T/disk" \
	flash disk@8M "$T/img"
[ "$(sha "$T/disk" 0 8388608)" = "$(sha "$T/orig" 0 8388608)" ] || fail "bytes before the range changed"
[ "$(sha "$T/disk" 50331648 16777216)" = "$(sha "$T/orig" 50331648 16777216)" ] ||
	fail "bytes after the range changed"

# The agent killed mid-flash.
expect_exit 3 "$IFL" -c "exec:timeout -s KILL 1 $AGENT --stdio --no-scan --target disk=$T/disk" \
	flash --level 9 disk "$T/img"

# The host killed mid-flash over TCP: the agent survives and the next host succeeds.
"$IFL" -c "tcp:127.0.0.1:$PORT" flash --level 9 disk "$T/img" >/dev/null 2>&1 &
hp=$!
sleep 0.5
kill -9 "$hp" 2>/dev/null || true
wait "$hp" 2>/dev/null || true
expect_exit 0 "$IFL" -c "tcp:127.0.0.1:$PORT" flash disk "$T/img"
[ "$(sha "$T/disk" 0 41943040)" = "$(sha "$T/img")" ] || fail "flash after a killed host differs"
kill -0 "$AGENT_PID" || fail "agent died"
echo ok
