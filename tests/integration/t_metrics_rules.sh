#!/bin/bash
# The shipped alert rules (contrib/prometheus/emgdiag.rules.yml) pass
# `promtool check rules` and their unit tests (tests/prometheus/
# emgdiag.rules.test.yml: every alert fires on its case and not just short
# of it), and the shipped dashboard (contrib/grafana/emgdiag.json) is JSON
# whose every panel has a query.  The expressions themselves are evaluated
# against a live Prometheus by t_metrics.sh.  Time budget: 20 s.
. "$(dirname "$0")/lib.sh"
it_init metrics_rules

if ! command -v promtool >/dev/null 2>&1; then
    it_fail "promtool is missing (Debian package prometheus; build-aux/setup-debian.sh installs it)"
    it_summary
    exit 1
fi
R=$TOP/contrib/prometheus/emgdiag.rules.yml
out=$(promtool check rules "$R" 2>&1)
it_assert_eq "$?" 0 "promtool check rules: $(echo "$out" | tail -n 1 | sed 's/^ *//')"
out=$(cd "$TOP/tests/prometheus" && promtool test rules emgdiag.rules.test.yml 2>&1)
rc=$?
it_assert_eq "$rc" 0 "promtool test rules emgdiag.rules.test.yml"
[ "$rc" -eq 0 ] || echo "$out" | head -n 40 >&2
# Every alert of the rules file has a test case.
for a in $(grep -E '^ *- alert: ' "$R" | awk '{ print $3 }'); do
    if grep -q "alertname: $a\$" "$TOP/tests/prometheus/emgdiag.rules.test.yml"; then
        it_pass "alert $a has unit tests"
    else
        it_fail "alert $a has no unit test"
    fi
done
n=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(sum(1 for p in d["panels"] if p.get("targets") and all(t.get("expr") for t in p["targets"])), len(d["panels"]))
' "$TOP/contrib/grafana/emgdiag.json")
read -r with_q all <<<"$n"
it_assert_eq "$with_q" "$all" "dashboard: all $all panels have a query"
it_summary
