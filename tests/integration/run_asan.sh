#!/bin/bash
# run_asan.sh: integration tests with the module built under ASan+UBSan and
# loaded into the real boxes (make check-live-asan).
#
# The boxes are Kannel's, built without sanitizers; the module is built
# with clang -fsanitize=address,undefined against the shared ASan runtime,
# which each box gets through LD_PRELOAD (a wrapper script stands in for
# each box).  Any report ASan or UBSan makes goes to a file of its own; a
# report is a failure whatever the tests said.  Kannel's own leaks at exit
# are not the module's: leak detection is off here (the unit tests and the
# allocation sweep check the module's leaks).
#   run_asan.sh DIR TEST...   DIR holds the ASan module (emgdiag.so) and
#                             receives the wrappers and the reports
set -u
here=$(cd "$(dirname "$0")" && pwd)
dir=$1
shift
: "${BEARERBOX:?}" "${OPENSMPPBOX:?}" "${CLANG:=clang-14}"
runtime=$("$CLANG" -print-file-name=libclang_rt.asan-x86_64.so)
if [ ! -f "$runtime" ]; then
    echo "run_asan: no ASan runtime ($runtime): apt-get install libclang-rt-14-dev" >&2
    echo "0 passed, 1 failed"
    exit 1
fi
rm -f "$dir"/report.*
for box in bearerbox opensmppbox; do
    real=$BEARERBOX
    [ $box = opensmppbox ] && real=$OPENSMPPBOX
    cat >"$dir/$box" <<SH
#!/bin/sh
exec env LD_PRELOAD=$runtime \\
    ASAN_OPTIONS=detect_leaks=0:halt_on_error=1:abort_on_error=1:log_path=$dir/report \\
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:log_path=$dir/report \\
    $real "\$@"
SH
    chmod +x "$dir/$box"
done
export EMGDIAG_SO=$dir/emgdiag.so BEARERBOX=$dir/bearerbox OPENSMPPBOX=$dir/opensmppbox
passed=0 failed=0
log=$(mktemp)
for t in "$@"; do
    "$here/run.sh" "$t" 2>&1 | tee "$log"
    out=$(tail -n 1 "$log")
    p=$(echo "$out" | sed -nE 's/^([0-9]+) passed.*/\1/p')
    f=$(echo "$out" | sed -nE 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/p')
    passed=$((passed + ${p:-0})) failed=$((failed + ${f:-1}))
done
rm -f "$log"
reports=$(ls "$dir"/report.* 2>/dev/null)
if [ -n "$reports" ]; then
    echo "=== sanitizer reports:"
    cat $reports
    failed=$((failed + 1))
else
    echo "no sanitizer report from the module"
    passed=$((passed + 1))
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
