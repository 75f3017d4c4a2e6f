#!/bin/sh
# run.sh - run every end-to-end test script and print a pass/fail tally.
set -u
BUILD=${1:-build}
export BUILD
cd "$(dirname "$0")/../.." || exit 1
pass=0
failed=0
names=""
for t in tests/e2e/t_*.sh; do
	start=$(date +%s)
	if bash "$t" >"$BUILD/$(basename "$t").log" 2>&1; then
		pass=$((pass + 1))
		echo "PASS $(basename "$t") ($(($(date +%s) - start)) s)"
	else
		failed=$((failed + 1))
		names="$names $(basename "$t")"
		echo "FAIL $(basename "$t") ($(($(date +%s) - start)) s)"
		tail -n 30 "$BUILD/$(basename "$t").log" | sed 's/^/    /'
	fi
done
echo "e2e: $pass passed, $failed failed"
[ "$failed" -eq 0 ]
