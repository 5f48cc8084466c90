// Bundles the CLI (dist/main.js, its libraries and commander) into one CommonJS file,
// dist/tsk-runtime.cjs, so that a start of tsk-runtime reads and compiles one file instead of
// resolving and linking ~40 ES modules (CommonJS also skips the ES module loader's own setup).
// koffi (a native addon, loaded only by the verbs that need a syscall) and @tsk/log (pino,
// loaded only with --debug/--log) stay outside and are loaded from node_modules when asked for.
// dist/tsk-runtime.inputs.json lists the files it was made from: bin/tsk-runtime.js falls back to
// dist/main.js when any of them is newer than the bundle (a `tsc -b` without this step).
import { writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const app = fileURLToPath(new URL('..', import.meta.url));
const out = `${app}dist/tsk-runtime.cjs`;
const result = await build({
  entryPoints: [`${app}dist/main.js`],
  outfile: out,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['koffi', '@tsk/log'],
  // The libraries find files beside themselves (the helper, koffi) through import.meta.url.
  define: { 'import.meta.url': '__tskModuleUrl' },
  banner: { js: "const __tskModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
  metafile: true,
  logLevel: 'warning',
});
const inputs = Object.keys(result.metafile.inputs).map((p) => relative(dirname(out), p));
writeFileSync(`${app}dist/tsk-runtime.inputs.json`, `${JSON.stringify(inputs)}\n`);
