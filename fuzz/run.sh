#!/bin/sh
# fuzz/run.sh OUT TARGET SECONDS [libFuzzer options...]
#
# Run one harness for SECONDS on its committed seed corpus (corpus/TARGET,
# read only) plus a working corpus (OUT/corpus/TARGET, where new inputs go),
# log to OUT/TARGET.log, and print one line: executions, coverage, and the
# finding with its reproducer if there is one.  Exit 1 on a finding.
set -u
out=$1 target=$2 seconds=$3
shift 3
mkdir -p "$out/corpus/$target" "corpus/$target"
log=$out/$target.log
rm -f "$out/$target"-crash-* "$out/$target"-leak-* "$out/$target"-timeout-* \
      "$out/$target"-oom-* "$out/$target"-slow-unit-*

UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS} \
"./$out/$target" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$out/$target-" "$@" \
    "$out/corpus/$target" "corpus/$target" >"$log" 2>&1
rc=$?

runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
stats=$(grep -E '^#[0-9]+' "$log" | tail -1 | grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' )
corpus=$(ls "$out/corpus/$target" "corpus/$target" 2>/dev/null | grep -vc ':$')
if [ $rc -eq 0 ]; then
    printf '%-18s ok     %10s runs in %ss  %s (%s corpus files)\n' "$target" "${runs:-?}" "$seconds" "${stats:-cov: ?}" "$corpus"
    exit 0
fi
artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
what=$(grep -m1 -E '==flux-fuzz== FINDING|^SUMMARY: |ERROR: libFuzzer' "$log")
printf '%-18s FOUND  %10s runs  %s\n' "$target" "${runs:-?}" "${stats:-cov: ?}"
printf '    %s\n    log: fuzz/%s; rerun (in fuzz/): ./%s/%s %s\n' \
    "$what" "$log" "$out" "$target" "${artifact:-<input>}"
exit 1
