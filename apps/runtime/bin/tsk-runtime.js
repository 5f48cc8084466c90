#!/usr/bin/env -S -u NODE_EXTRA_CA_CERTS node
/* global require, process, __dirname */
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS file */
// NODE_EXTRA_CA_CERTS is dropped (GNU env -S -u): Node 20 parses that whole certificate file at
// start, before any JavaScript runs (40 ms of a 60 ms `node -e 0` where it is set, as on CI
// machines behind a proxy), and tsk-runtime makes no TLS connection. The container's
// environment comes from config.json, not from ours.
// Launcher of tsk-runtime, CommonJS so that a start skips the ES module loader. It runs the
// one-file bundle dist/tsk-runtime.cjs (`npm run build` makes it; see scripts/bundle.mjs) with
// V8's code cache for it, dist/tsk-runtime.codecache (compiled code saved by the build, so a
// start does not parse and compile the CLI and the runtime again). It runs dist/main.js (ES
// modules, slower to load) instead when the bundle is missing or older than a file it was made
// from, so a `tsc -b` alone never leaves a stale CLI behind.
'use strict';
const { readFileSync, statSync, writeFileSync } = require('node:fs');

const dist = require('node:path').resolve(__dirname, '../dist');
const bundle = `${dist}/tsk-runtime.cjs`;
const cacheFile = `${dist}/tsk-runtime.codecache`;

/** mtime of the bundle when every input is older, else undefined. */
function currentBundle() {
  try {
    const made = statSync(bundle).mtimeMs;
    const inputs = JSON.parse(readFileSync(`${dist}/tsk-runtime.inputs.json`, 'utf8'));
    return inputs.every((file) => statSync(`${dist}/${file}`).mtimeMs <= made) ? made : undefined;
  } catch {
    return undefined;
  }
}

/** Loads the bundle as CommonJS does, but through vm.Script so V8 can take the code cache. */
function runBundle(made) {
  const { Script } = require('node:vm');
  let cachedData;
  try {
    // V8 checks the cache's V8 version and flags, but only the length of the source: never use
    // a cache older than the bundle (the build writes it after the bundle).
    if (statSync(cacheFile).mtimeMs >= made) cachedData = readFileSync(cacheFile);
  } catch {
    /* no cache: compile */
  }
  const source = readFileSync(bundle, 'utf8').replace(/^#!.*/, '');
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: bundle,
    cachedData,
  });
  // The build runs one verb with this set, so the cache holds what a start really compiles.
  if (process.env.TSK_RUNTIME_WRITE_CODE_CACHE === '1') process.once('exit', () => writeFileSync(cacheFile, script.createCachedData()));
  const module = { exports: {} };
  script.runInThisContext()(module.exports, require('node:module').createRequire(bundle), module, bundle, dist);
}

const made = currentBundle();
if (made !== undefined) {
  runBundle(made);
} else {
  import(`${dist}/main.js`).catch((err) => {
    process.stderr.write(`tsk-runtime: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
