#!/usr/bin/env bash
# Refresh static/vendor/ from the npm packages pinned in package.json.
# The dashboard fetches nothing at run time, so these copies are committed.
set -euo pipefail
cd "$(dirname "$0")/.."

[ -d node_modules/socket.io-client ] && [ -d node_modules/uplot ] && [ -d node_modules/swagger-ui-dist ] || npm ci --no-audit --no-fund

VENDOR=static/vendor
rm -rf "$VENDOR"
mkdir -p "$VENDOR/socket.io-client" "$VENDOR/uplot" "$VENDOR/swagger-ui"

SIO=node_modules/socket.io-client
cp "$SIO/dist/socket.io.esm.min.js" "$SIO/dist/socket.io.esm.min.js.map" "$SIO/LICENSE" "$VENDOR/socket.io-client/"

UPLOT=node_modules/uplot
cp "$UPLOT/dist/uPlot.esm.js" "$UPLOT/dist/uPlot.min.css" "$UPLOT/LICENSE" "$VENDOR/uplot/"

# The API documentation page (GET /api/docs).
SWAGGER=node_modules/swagger-ui-dist
cp "$SWAGGER/swagger-ui-bundle.js" "$SWAGGER/swagger-ui-bundle.js.LICENSE.txt" "$SWAGGER/swagger-ui.css" \
   "$SWAGGER/LICENSE" "$SWAGGER/NOTICE" "$VENDOR/swagger-ui/"

node -e '
  const fs = require("fs");
  const out = {};
  for (const name of ["socket.io-client", "uplot", "swagger-ui-dist"]) {
    out[name] = JSON.parse(fs.readFileSync(`node_modules/${name}/package.json`)).version;
  }
  fs.writeFileSync(process.argv[1], JSON.stringify(out, null, 2) + "\n");
' "$VENDOR/VERSIONS.json"
echo "vendored: $(tr -d '\n ' < "$VENDOR/VERSIONS.json")"
