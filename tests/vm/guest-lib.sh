# guest-lib.sh - helpers for scripts that run inside the virtual DUT (sourced from /ifl).
set -u
IFLOG=/tmp/agent.log

fail() {
	echo "GUEST FAIL: $*"
	[ -f "$IFLOG" ] && tail -n 20 "$IFLOG"
	exit 1
}

# start_agent ARGS...: run the agent in the background, wait for "ready".
start_agent() {
	initflash-agent "$@" >"$IFLOG" 2>&1 &
	AGENT_PID=$!
	i=0
	while ! grep -q 'ready' "$IFLOG" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 200 ] || fail "agent not ready after 20 s"
		kill -0 "$AGENT_PID" 2>/dev/null || fail "agent exited"
		sleep 0.1
	done
}

# wait_usb: wait until the host side sees an initflash device.
wait_usb() {
	i=0
	while ! initflash devices 2>/dev/null | grep -q ready; do
		i=$((i + 1))
		[ $i -lt 100 ] || fail "no initflash device enumerated after 10 s"
		sleep 0.1
	done
}

# sha DEV LEN: SHA-256 of the first LEN bytes of DEV.
sha() {
	head -c "$2" "$1" | sha256sum | cut -d' ' -f1
}

# gadget_udc: the UDC file of the agent's gadget.
gadget_udc() {
	for g in /sys/kernel/config/usb_gadget/*/UDC; do
		[ -n "$(cat "$g")" ] && { echo "$g"; return 0; }
	done
	return 1
}
