// The compiled build: every TypeScript source (tests excluded) transpiled ahead into build/ with the
// same layout (files outside it are found from platform/paths.ts REPO_ROOT), so that no process compiles at start (bin/postwerk, npm start, the API and the workers
// run build/…/*.js). esbuild only strips types; `npm run typecheck` is the type check.
// `node stack/build.js` builds when a source is newer than the last build; ensureBuilt() is what
// bin/postwerk calls (a stat per file, a few milliseconds, when nothing changed).
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const OUT = path.join(ROOT, 'build');
const STAMP = path.join(OUT, '.stamp');
// the portal's browser code is bundled by Vite (npm run portal:build), not run by Node
const BROWSER_DIRS = new Set([path.join(ROOT, 'portal/src'), path.join(ROOT, 'portal/dist')]);
const SOURCE_DIRS = [
  'platform',
  'tenancy',
  'quotas',
  'migrator',
  'migration-projects',
  'filters',
  'backup',
  'directory',
  'operability',
  'control-plane',
  'portal',
];

function sources() {
  const out = [];
  const walk = (dir) => {
    let entries;
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return; // a module folder without code yet
    }
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'node_modules' && e.name !== 'public' && !BROWSER_DIRS.has(p)) walk(p);
      } else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.endsWith('.d.ts')) out.push(p);
    }
  };
  for (const d of SOURCE_DIRS) walk(path.join(ROOT, d));
  return out;
}

function isStale(files) {
  let built;
  try {
    built = fs.statSync(STAMP).mtimeMs;
  } catch {
    return true;
  }
  // a source edited, added or moved after the last build (a move keeps the old mtime: compare the list too)
  const list = fs.readFileSync(STAMP, 'utf8');
  if (list !== files.map((f) => path.relative(ROOT, f)).join('\n')) return true;
  return files.some((f) => fs.statSync(f).mtimeMs > built);
}

function build(files) {
  const esbuild = require('esbuild');
  // built beside and swapped in, so that a process starting meanwhile never sees half a build
  const tmp = `${OUT}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  for (const f of files) {
    const rel = path.relative(ROOT, f);
    const target = path.join(tmp, rel.replace(/\.ts$/, '.js'));
    const r = esbuild.transformSync(fs.readFileSync(f, 'utf8'), {
      loader: 'ts',
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      sourcefile: rel,
      sourcemap: 'inline',
      sourcesContent: false,
    });
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, r.code);
  }
  fs.writeFileSync(path.join(tmp, '.stamp'), files.map((f) => path.relative(ROOT, f)).join('\n'));
  const old = `${OUT}.old-${process.pid}`;
  try {
    fs.renameSync(OUT, old);
  } catch {
    // no build yet
  }
  try {
    fs.renameSync(tmp, OUT);
  } catch {
    fs.rmSync(tmp, { recursive: true, force: true }); // another process swapped in its build first
  }
  fs.rmSync(old, { recursive: true, force: true });
}

/** Builds when needed; returns whether it did. */
function ensureBuilt() {
  const files = sources();
  if (!isStale(files)) return false;
  build(files);
  return true;
}

module.exports = { ensureBuilt, OUT };

if (require.main === module) {
  const t = Date.now();
  if (ensureBuilt()) process.stderr.write(`[build] compiled ${sources().length} files into build/ in ${Date.now() - t} ms\n`);
}
