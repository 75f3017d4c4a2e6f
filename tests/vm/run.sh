#!/bin/sh
# run.sh - run the virtual-DUT tests (real kernel drivers in QEMU) and print a tally.
set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=${1:-build}
export BUILD
pass=0 failed=0
mkdir -p "$BUILD/vm-logs"
for t in tests/vm/smoke.sh tests/vm/t_*.sh; do
	start=$(date +%s)
	log="$BUILD/vm-logs/$(basename "$t").log"
	if bash "$t" >"$log" 2>&1; then
		pass=$((pass + 1))
		echo "PASS $(basename "$t") ($(($(date +%s) - start)) s): $(tail -n 1 "$log")"
	else
		failed=$((failed + 1))
		echo "FAIL $(basename "$t") ($(($(date +%s) - start)) s)"
		tail -n 40 "$log" | sed 's/^/    /'
	fi
done
echo "vm: $pass passed, $failed failed"
[ "$failed" -eq 0 ]
