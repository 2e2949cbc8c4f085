#!/usr/bin/env bash
# Builds the portal's browser bundle (wasm + JS glue + CSS) into
# $EIP_SITE_ROOT/pkg (default: <cargo target dir>/site/pkg).
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-$PWD/target}"
site="${EIP_SITE_ROOT:-$target/site}"

cargo build -p eip-portal-frontend --lib --target wasm32-unknown-unknown --profile wasm-release
rm -rf "$site/pkg.new"
mkdir -p "$site/pkg.new"
wasm-bindgen --target web --no-typescript --out-dir "$site/pkg.new" --out-name eip_portal \
  "$target/wasm32-unknown-unknown/wasm-release/eip_portal_frontend.wasm"
wasm_opt="${EIP_TOOLS_DIR:-$HOME/.cache/eip/tools}/node_modules/.bin/wasm-opt"
if [ -x "$wasm_opt" ]; then
  "$wasm_opt" -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types --enable-multivalue \
    "$site/pkg.new/eip_portal_bg.wasm" -o "$site/pkg.new/eip_portal_bg.wasm"
fi
cp apps/portal/style/portal.css "$site/pkg.new/eip_portal.css"
# Precompressed copies, served to browsers that accept gzip.
for f in "$site"/pkg.new/eip_portal_bg.wasm "$site"/pkg.new/eip_portal.js "$site"/pkg.new/eip_portal.css; do
  gzip -9 -k -n "$f"
done
# Swap in one step so a running portal never serves half a bundle.
rm -rf "$site/pkg.old"
[ -d "$site/pkg" ] && mv "$site/pkg" "$site/pkg.old"
mv "$site/pkg.new" "$site/pkg"
rm -rf "$site/pkg.old"
wasm="$site/pkg/eip_portal_bg.wasm"
echo "browser bundle: $site/pkg ($(wc -c <"$wasm") bytes wasm, $(wc -c <"$wasm.gz") gzipped)"
