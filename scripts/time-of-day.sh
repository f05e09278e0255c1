#!/usr/bin/env bash
# Optional, for a developer (not run by .ci/run or scripts/test.sh): reruns the tests that read the real clock
# at chosen hours of the station's day (Asia/Shanghai, UTC+8), under libfaketime, so a test that only passes at
# some hours is caught here rather than by the CI run that happens to fall in the wrong minute.
#
#   scripts/time-of-day.sh                      # every hour below, every real-clock test
#   scripts/time-of-day.sh 16:45:00 23:59:00    # only these station times
#   KONGXUN_TOD_E2E="tests/e2e/patrol.spec.ts" KONGXUN_TOD_VITEST="" scripts/time-of-day.sh 07:25:00
#
# Each run starts with the clock of every process (the test runner, the `kongxun serve` it spawns and
# Chromium) shifted by the same offset, so the station's clock reads the given station time at the start and
# then runs on: a relative FAKETIME ("+N" seconds) rather than an absolute "@…", which would restart each child
# process at the same instant. Chromium (Debian's, headless) runs fine under libfaketime with the same offset.
set -uo pipefail
cd "$(dirname "$0")/.."

if ! command -v faketime >/dev/null 2>&1; then
  echo "time-of-day: skipped: faketime (libfaketime) is not installed (apt-get install faketime); CI does not need it" >&2
  exit 0
fi

# The hours that matter (station time, the sample station's plan): just after midnight; the school sorties at
# the gates (on station 07:25, 11:35, 16:45); JH-06 launching its school sortie S014 (16:42:51); a patrol
# launch (P0xx launch at hh:18:40, hh:38:4x, hh:58:3x); an ordinary hour; one minute before midnight (the day
# rolls over during the run).
HOURS=("$@")
[ ${#HOURS[@]} -gt 0 ] || HOURS=(00:00:30 07:25:00 11:35:00 16:45:00 16:42:40 10:18:30 14:07:00 23:59:00)

# The tests that read the real clock: stations started on today's plan or a plan around now, and the patrol
# runner on a fixed day.
E2E="${KONGXUN_TOD_E2E-tests/e2e/patrol.spec.ts tests/e2e/look.spec.ts tests/e2e/planner.spec.ts tests/e2e/console.spec.ts tests/e2e/actual.spec.ts}"
VITEST="${KONGXUN_TOD_VITEST-tests/system/gateway.test.ts tests/patrol/console-release.test.ts tests/patrol/look.test.ts tests/smoke/cli.test.ts}"

# Today's date at the station; a time before "now" gives a negative offset, which libfaketime takes as well.
today="$(TZ=Asia/Shanghai date +%F)"
failed=()
# FAKETIME's relative offset that makes the clock read `$1` (Unix seconds) now: "+N" or "-N".
shift_to() {
  local o=$(($1 - $(date +%s)))
  if [ $o -ge 0 ]; then echo "+$o"; else echo "$o"; fi
}
for hms in "${HOURS[@]}"; do
  target="$(date -d "$today $hms +08:00" +%s)" || { echo "time-of-day: bad time $hms" >&2; exit 2; }
  if [ -n "$VITEST" ]; then
    echo "=== time-of-day: vitest from station time $today $hms (UTC $(date -ud "@$target" +%H:%M:%S))"
    # shellcheck disable=SC2086
    faketime -f "$(shift_to "$target")" npx vitest run $VITEST || failed+=("vitest@$hms")
  fi
  if [ -n "$E2E" ]; then
    echo "=== time-of-day: Playwright from station time $today $hms (UTC $(date -ud "@$target" +%H:%M:%S))"
    # shellcheck disable=SC2086
    faketime -f "$(shift_to "$target")" npx playwright test $E2E || failed+=("e2e@$hms")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "time-of-day: FAILED: ${failed[*]}"
  exit 1
fi
echo "time-of-day: every run passed at ${HOURS[*]}"
