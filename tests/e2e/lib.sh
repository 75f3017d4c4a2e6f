# lib.sh - helpers shared by the end-to-end tests (sourced, not run).
set -eu

: "${BUILD:?BUILD must point at the build directory}"
IFL="$BUILD/initflash"
AGENT="$BUILD/initflash-agent"
T=$(mktemp -d "${TMPDIR:-/tmp}/ifl-e2e.XXXXXX")
LOOPS=""
PIDS=""

cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	for p in $PIDS; do wait "$p" 2>/dev/null || true; done
	for l in $LOOPS; do losetup -d "$l" 2>/dev/null || true; done
	rm -rf "$T"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# mkimg FILE SIZE [SEED]: a deterministic mixed image (zero, text, random runs).
mkimg() {
	python3 tools/mkimage.py "$1" "$2" --seed "${3:-1}" --run 1M
}

# sha FILE [OFFSET LENGTH]: SHA-256 of a file or of a byte range of it.
sha() {
	if [ $# -eq 1 ]; then
		sha256sum "$1" | cut -d' ' -f1
	else
		tail -c +"$(($2 + 1))" "$1" | head -c "$3" | sha256sum | cut -d' ' -f1
	fi
}

# exec_conn TARGET-ARGS...: a connection string that runs a fresh agent.
exec_conn() {
	echo "exec:$AGENT --stdio --no-scan $*"
}

# free_port: a TCP port nobody listens on right now.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# start_tcp_agent ARGS...: run an agent listening on a fresh port; sets PORT.
start_tcp_agent() {
	PORT=$(free_port)
	"$AGENT" --listen "tcp:127.0.0.1:$PORT" --no-scan "$@" 2>"$T/agent-$PORT.log" &
	PIDS="$PIDS $!"
	AGENT_PID=$!
	for _ in $(seq 100); do
		grep -q ready "$T/agent-$PORT.log" 2>/dev/null && return 0
		sleep 0.05
	done
	cat "$T/agent-$PORT.log" >&2
	fail "agent did not become ready on port $PORT"
}

# expect_exit CODE CMD...: run CMD, demand exit status CODE; output in $T/out, $T/err.
expect_exit() {
	_want=$1
	shift
	set +e
	"$@" >"$T/out" 2>"$T/err"
	_got=$?
	set -e
	if [ "$_got" -ne "$_want" ]; then
		echo "--- stdout" >&2; cat "$T/out" >&2
		echo "--- stderr" >&2; cat "$T/err" >&2
		fail "expected exit $_want, got $_got: $*"
	fi
}

# expect_err PATTERN: the last command's stderr matches PATTERN (grep -E).
expect_err() {
	grep -Eq -- "$1" "$T/err" || { cat "$T/err" >&2; fail "stderr lacks /$1/"; }
}

# loopdev FILE [-r]: attach FILE to a loop device, print its path.
loopdev() {
	l=$(losetup -f --show ${2:-} "$1")
	LOOPS="$LOOPS $l"
	echo "$l"
}
