#!/usr/bin/env bash
# Refresh static/vendor/ from the npm packages pinned in package.json.
# The dashboard fetches nothing at run time, so these copies are committed.
set -euo pipefail
cd "$(dirname "$0")/.."

[ -d node_modules/socket.io-client ] && [ -d node_modules/uplot ] || npm ci --no-audit --no-fund

VENDOR=static/vendor
rm -rf "$VENDOR"
mkdir -p "$VENDOR/socket.io-client" "$VENDOR/uplot"

SIO=node_modules/socket.io-client
cp "$SIO/dist/socket.io.esm.min.js" "$SIO/dist/socket.io.esm.min.js.map" "$SIO/LICENSE" "$VENDOR/socket.io-client/"

UPLOT=node_modules/uplot
cp "$UPLOT/dist/uPlot.esm.js" "$UPLOT/dist/uPlot.min.css" "$UPLOT/LICENSE" "$VENDOR/uplot/"

node -e '
  const fs = require("fs");
  const out = {};
  for (const name of ["socket.io-client", "uplot"]) {
    out[name] = JSON.parse(fs.readFileSync(`node_modules/${name}/package.json`)).version;
  }
  fs.writeFileSync(process.argv[1], JSON.stringify(out, null, 2) + "\n");
' "$VENDOR/VERSIONS.json"
echo "vendored: $(tr -d '\n ' < "$VENDOR/VERSIONS.json")"
