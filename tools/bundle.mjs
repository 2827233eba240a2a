// Finishes the browser bundle after wasm-bindgen and wasm-opt (scripts/build.sh), run from the repository root:
// minifies the JS glue (terser), names the JS, WASM and CSS by their content's
// hash, writes the hash file the server reads beside its binary (the format
// leptos' HydrationScripts and HashedStylesheet parse: "js: …", "wasm: …",
// "css: …"), copies public/ into the site, and writes .br and .gz beside every
// file so the server sends them without compressing at request time.
// Usage: node tools/bundle.mjs SITE_ROOT PKG_DIR OUTPUT_NAME HASH_FILE
import { createHash } from 'node:crypto';
import { cpSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { minify } from 'terser';

const [siteRoot, pkgDir, name, hashFile] = process.argv.slice(2);
const pkg = join(siteRoot, pkgDir);
const hashOf = (bytes) => createHash('sha256').update(bytes).digest('base64url').slice(0, 22);

// wasm-bindgen's glue, minified as an ES module (it is loaded with import()).
const js = (await minify(readFileSync(join(pkg, `${name}.js`), 'utf8'), { module: true })).code;
const named = {
  js: [Buffer.from(js), 'js'],
  wasm: [readFileSync(join(pkg, `${name}_bg.wasm`)), 'wasm'],
  css: [readFileSync('style/main.css'), 'css'],
};
rmSync(join(pkg, `${name}.js`));
rmSync(join(pkg, `${name}_bg.wasm`));
const lines = [];
for (const [kind, [bytes, ext]] of Object.entries(named)) {
  const hash = hashOf(bytes);
  writeFileSync(join(pkg, `${name}.${hash}.${ext}`), bytes);
  lines.push(`${kind}: ${hash}`);
}
writeFileSync(hashFile, lines.join('\n') + '\n');

cpSync('public', siteRoot, { recursive: true });

// Brotli at its best quality and gzip at 9: done once here, sent on every visit.
const walk = (dir) => readdirSync(dir).flatMap((f) => {
  const p = join(dir, f);
  return statSync(p).isDirectory() ? walk(p) : [p];
});
for (const file of walk(siteRoot)) {
  if (!/\.(js|wasm|css|svg|html|json)$/.test(file)) continue;
  const bytes = readFileSync(file);
  writeFileSync(`${file}.br`, brotliCompressSync(bytes, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
  }));
  writeFileSync(`${file}.gz`, gzipSync(bytes, { level: 9 }));
}
console.log(`bundle: ${lines.join(', ')}`);
