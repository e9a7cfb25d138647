#!/usr/bin/env bash
# Installs what Tributary needs on a fresh Debian 12 (bookworm) machine.
#
#   bash scripts/install-deps.sh          # build and run the gateway
#   bash scripts/install-deps.sh --test   # ... and run every test
#
# --test also installs Debian's nodejs and npm when `node` is missing and runs `npm ci` in
# tests/e2e/js (the Azure Event Hubs JS SDK, pinned by its package-lock.json; node_modules is
# not in git).
# Uses sudo when not root. Safe to run again: apt-get skips what is there.
set -euo pipefail

BUILD_PKGS=(meson ninja-build pkg-config gcc libisal-dev libjansson-dev libqpid-proton11-dev
	libmicrohttpd-dev libssl-dev zlib1g-dev libsnappy-dev liblz4-dev libzstd-dev)
TEST_PKGS=(check librdkafka-dev kcat curl python3 python3-confluent-kafka python3-kafka
	python3-snappy python3-lz4 python3-zstandard python3-qpid-proton)

pkgs=("${BUILD_PKGS[@]}")
case "${1:-}" in
--test)
	pkgs+=("${TEST_PKGS[@]}")
	if ! command -v node >/dev/null; then
		pkgs+=(nodejs npm)
	fi
	;;
"") ;;
*)
	echo "usage: $0 [--test]" >&2
	exit 2
	;;
esac

if [ "$(id -u)" -eq 0 ]; then
	sudo=()
elif command -v sudo >/dev/null; then
	sudo=(sudo)
else
	echo "install-deps: not root and no sudo; install as root: ${pkgs[*]}" >&2
	exit 1
fi

missing=()
for p in "${pkgs[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing+=("$p")
	fi
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "install-deps: all ${#pkgs[@]} packages already installed"
else
	echo "install-deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	"${sudo[@]}" apt-get update -q
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		"${missing[@]}"
fi

# The JS SDK tests' packages, exactly as the lock file pins them; again only when the lock file
# changed since the last install (npm writes node_modules/.package-lock.json).
if [ "${1:-}" = "--test" ]; then
	js=$(cd "$(dirname "${BASH_SOURCE[0]}")/../tests/e2e/js" && pwd)
	if [ ! -f "$js/node_modules/.package-lock.json" ] ||
		[ "$js/package-lock.json" -nt "$js/node_modules/.package-lock.json" ]; then
		echo "install-deps: npm ci in $js"
		(cd "$js" && npm ci --no-audit --no-fund)
	else
		echo "install-deps: $js/node_modules is up to date"
	fi
fi
