#!/usr/bin/env bash
# Installs every dependency, builds with warnings as errors and runs every
# test; then builds again with AddressSanitizer + UndefinedBehaviorSanitizer
# and runs the unit, fuzz-replay and end-to-end suites there, and with ThreadSanitizer
# over the core and storage concurrency tests.
#
#   bash scripts/test.sh
#
# Build directories: build/ (warnings as errors), build-asan/ and build-tsan/. Exits
# non-zero when anything fails; the last line counts the tests.
set -uo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo" || exit 1
jobs=${TEST_JOBS:-$(nproc)}
failed=()

step() {
	echo
	echo "=== $*"
}

configure() { # dir, options...
	local dir=$1
	shift
	if [ -f "$dir/build.ninja" ]; then
		meson configure "$dir" "$@"
	else
		meson setup "$dir" "$@"
	fi
}

# Totals over the testlog.json files of the runs made here.
count_tests() {
	/usr/bin/python3 - "$@" <<'PY'
import json, sys
passed = failed = skipped = 0
for path in sys.argv[1:]:
    try:
        with open(path) as f:
            for line in f:
                r = json.loads(line).get("result")
                if r in ("OK", "EXPECTEDFAIL"):
                    passed += 1
                elif r == "SKIP":
                    skipped += 1
                else:
                    failed += 1
    except FileNotFoundError:
        pass
print("%d passed, %d failed, %d skipped" % (passed, failed, skipped))
PY
}

step "dependencies"
bash scripts/install-deps.sh --test || exit 1

step "build (warnings are errors)"
if ! configure build -Dtests=true -Dwerror=true || ! ninja -C build -j "$jobs"; then
	echo "test.sh: the build failed"
	exit 1
fi

step "meson test -C build"
rm -f build/meson-logs/testlog.json
meson test -C build --print-errorlogs --num-processes "$jobs" || failed+=("build: meson test")

step "build-asan (address,undefined)"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:strict_string_checks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
if configure build-asan -Dtests=true -Dwerror=true -Db_sanitize=address,undefined \
	-Db_lundef=false --buildtype=debug && ninja -C build-asan -j "$jobs"; then
	step "meson test -C build-asan --suite unit --suite fuzz --suite e2e"
	rm -f build-asan/meson-logs/testlog.json
	E2E_TIME_SCALE=${E2E_TIME_SCALE:-3} meson test -C build-asan --print-errorlogs \
		--num-processes "$jobs" --timeout-multiplier 3 --suite unit --suite fuzz --suite e2e ||
		failed+=("build-asan: meson test")
else
	failed+=("build-asan: build")
fi

# ThreadSanitizer over the core and storage concurrency tests (STYLE.md §15); the heads link
# uninstrumented Proton and libmicrohttpd, so they are left to the ASan pass.
step "build-tsan (thread): core and storage concurrency"
if configure build-tsan -Dtests=true -Dwerror=true -Db_sanitize=thread --buildtype=debug &&
	ninja -C build-tsan -j "$jobs" tests/unit/concurrency_test tests/unit/store_test tests/unit/core_test \
		tests/unit/store_retention_test; then
	rm -f build-tsan/meson-logs/testlog.json
	TSAN_OPTIONS=halt_on_error=1 meson test -C build-tsan --no-rebuild --print-errorlogs \
		concurrency store core store_retention || failed+=("build-tsan: meson test")
else
	failed+=("build-tsan: build")
fi

step "summary"
if [ ${#failed[@]} -ne 0 ]; then
	printf 'FAILED: %s\n' "${failed[@]}"
fi
echo "test.sh: $(count_tests build/meson-logs/testlog.json build-asan/meson-logs/testlog.json build-tsan/meson-logs/testlog.json)"
[ ${#failed[@]} -eq 0 ]
