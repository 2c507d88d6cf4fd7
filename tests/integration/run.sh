#!/bin/bash
# run.sh: runs every integration test (tests/integration/t_*.sh) and sums up
# their results.  Each test prints "N passed, N failed[, N skipped]" as its
# last line; this prints the totals the same way, last, and exits non-zero
# when any check failed or any test did not report.
#   run.sh [PATTERN]    only tests whose file name contains PATTERN
here=$(cd "$(dirname "$0")" && pwd)
passed=0 failed=0 skipped=0 broken=0
for t in "$here"/t_*.sh; do
    case $(basename "$t") in *"${1:-}"*) ;; *) continue ;; esac
    echo "=== $(basename "$t")"
    out=$(mktemp)
    bash "$t" 2>&1 | tee "$out"
    last=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1)
    if [ -z "$last" ]; then
        echo "=== $(basename "$t"): no summary line: counted as one failure"
        broken=$((broken + 1))
    else
        p=$(echo "$last" | sed -E 's/^([0-9]+) passed.*/\1/')
        f=$(echo "$last" | sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/')
        s=$(echo "$last" | sed -nE 's/.*, ([0-9]+) skipped.*/\1/p')
        passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + ${s:-0}))
    fi
    rm -f "$out"
done
failed=$((failed + broken))
line="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && line="$line, $skipped skipped"
echo "$line"
[ "$failed" -eq 0 ]
