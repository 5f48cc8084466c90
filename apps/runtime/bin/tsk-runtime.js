#!/usr/bin/env node
/* global require, process, __dirname */
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS file */
// Launcher of tsk-runtime, CommonJS so that a start skips the ES module loader. It runs the
// one-file bundle dist/tsk-runtime.cjs (`npm run build` makes it; see scripts/bundle.mjs), or
// dist/main.js (ES modules, slower to load) when the bundle is missing or older than a file it
// was made from, so a `tsc -b` alone never leaves a stale CLI behind.
'use strict';
const { readFileSync, statSync } = require('node:fs');

const dist = `${__dirname}/../dist`;

function bundleIsCurrent() {
  try {
    const made = statSync(`${dist}/tsk-runtime.cjs`).mtimeMs;
    const inputs = JSON.parse(readFileSync(`${dist}/tsk-runtime.inputs.json`, 'utf8'));
    return inputs.every((file) => statSync(`${dist}/${file}`).mtimeMs <= made);
  } catch {
    return false;
  }
}

if (bundleIsCurrent()) {
  require(`${dist}/tsk-runtime.cjs`);
} else {
  import(`${dist}/main.js`).catch((err) => {
    process.stderr.write(`tsk-runtime: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
