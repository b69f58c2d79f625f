#!/usr/bin/env bash
# Shared by scripts/vendor-*.sh: `npm pack` each name@version into DEST/<name>/ (its ES module
# entry's directory tree, package.json, LICENSE, a VERSION file) and write DEST/importmap.json,
# bare name -> path of its browser ES module entry, relative to DEST.
# Usage: vendor-npm.sh DEST name@version...
set -euo pipefail
DEST="$1"; shift
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
rm -rf "$DEST"; mkdir -p "$DEST"
for spec in "$@"; do
  name="${spec%@*}"; version="${spec##*@}"
  (cd "$WORK" && npm pack --silent "$spec" >/dev/null)
  tarball="$WORK/$(echo "${name#@}" | tr '/' '-')-$version.tgz"
  mkdir -p "$WORK/x" && rm -rf "$WORK/x/package" && tar -xzf "$tarball" -C "$WORK/x"
  target="$DEST/$name"; mkdir -p "$target"
  cp "$WORK/x/package/package.json" "$target/"
  for f in LICENSE LICENSE.md LICENSE.txt license; do
    [ -f "$WORK/x/package/$f" ] && cp "$WORK/x/package/$f" "$target/LICENSE"
  done
  echo "$version" > "$target/VERSION"
  entry="$(node -e '
    const p = require(process.argv[1]);
    const pick = (e) => typeof e === "string" ? e : e && (pick(e.browser) || pick(e.import) || pick(e.default));
    const ex = p.exports && (p.exports["."] !== undefined ? p.exports["."] : p.exports);
    process.stdout.write((p.name === "yaml" ? p.browser && p.browser["./dist/index.js"] : "") || pick(ex) || p.module || p.main);
  ' "$WORK/x/package/package.json")"
  entry="${entry#./}"
  top="${entry%%/*}"
  if [ "$top" = "$entry" ]; then cp "$WORK/x/package/$entry" "$target/"; else cp -r "$WORK/x/package/$top" "$target/"; fi
  find "$target" \( -name '*.cjs' -o -name '*.d.ts' -o -name '*.d.cts' -o -name '*.map' \) -delete
  echo "$name $entry" >> "$WORK/entries"
done
node -e '
  const fs = require("fs");
  const imports = {};
  for (const line of fs.readFileSync(process.argv[1], "utf8").trim().split("\n")) {
    const [name, entry] = line.split(" ");
    imports[name] = name + "/" + entry;
  }
  fs.writeFileSync(process.argv[2], JSON.stringify({ imports }, null, 2) + "\n");
' "$WORK/entries" "$DEST/importmap.json"
echo "vendored $# package(s) into $DEST"
