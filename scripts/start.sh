#!/usr/bin/env bash
# Installs the build dependencies, builds Tributary (release) and runs it.
#
#   bash scripts/start.sh [tributary options...]
#
# With no options: data in ./data, Kafka on 9092, AMQP on 5672, HTTP on 8080,
# event hub eh1 with 4 partitions. Ctrl-C stops it cleanly.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
bash scripts/install-deps.sh
if [ ! -f build/build.ninja ]; then
	# Tests need more packages (install-deps.sh --test); scripts/test.sh turns them on.
	meson setup build --buildtype=release -Dtests=false
fi
ninja -C build
exec build/gateway/tributary "$@"
