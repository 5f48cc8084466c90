// Bundles the CLI (dist/main.js and its libraries) into one CommonJS file,
// dist/tsk-runtime.cjs, so that a start of tsk-runtime reads and compiles one file instead of
// resolving and linking ~40 ES modules (CommonJS also skips the ES module loader's own setup).
// koffi (a native addon, loaded only by the verbs that need a syscall) and @tsk/log (pino,
// loaded only with --debug/--log) stay outside and are loaded from node_modules when asked for.
// dist/tsk-runtime.inputs.json lists the files it was made from: bin/tsk-runtime.js falls back to
// dist/main.js when any of them is newer than the bundle (a `tsc -b` without this step).
// Then one `list` through the launcher writes V8's code cache of the bundle,
// dist/tsk-runtime.codecache, which later starts load instead of compiling.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/**
 * Builtins that only a rarely used verb needs (node:crypto: exec's plan file name) become a
 * module whose exports require the builtin on first call, not at start (~1.5 ms each).
 * Only function exports are supported, which is all the libraries use of them.
 */
function lazyBuiltins(names) {
  return {
    name: 'lazy-builtins',
    setup(b) {
      const filter = new RegExp(`^(${names.join('|')})$`);
      b.onResolve({ filter }, (args) => (args.namespace === 'lazy-builtin' ? undefined : { path: args.path, namespace: 'lazy-builtin' }));
      b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, async (args) => {
        const mod = await import(args.path);
        const fns = Object.keys(mod).filter((k) => k !== 'default' && typeof mod[k] === 'function');
        const lines = fns.map((k) => `export function ${k}(...a) { return load().${k}(...a); }`);
        return { contents: `let m;\nconst load = () => (m ??= require(${JSON.stringify(args.path)}));\n${lines.join('\n')}\n`, loader: 'js' };
      });
    },
  };
}

const app = fileURLToPath(new URL('..', import.meta.url));
const out = `${app}dist/tsk-runtime.cjs`;
const cache = `${app}dist/tsk-runtime.codecache`;
rmSync(cache, { force: true });
const result = await build({
  entryPoints: [`${app}dist/main.js`],
  outfile: out,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['koffi', 'pino'],
  // The libraries find files beside themselves (the helper, koffi) through import.meta.url.
  define: { 'import.meta.url': '__tskModuleUrl' },
  banner: { js: "const __tskModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
  plugins: [lazyBuiltins(['node:crypto'])],
  metafile: true,
  logLevel: 'warning',
});
const inputs = Object.keys(result.metafile.inputs)
  .filter((p) => !p.includes(':'))
  .map((p) => relative(dirname(out), p));
writeFileSync(`${app}dist/tsk-runtime.inputs.json`, `${JSON.stringify(inputs)}\n`);

const root = mkdtempSync(`${tmpdir()}/tsk-runtime-bundle-`);
try {
  execFileSync(process.execPath, [`${app}bin/tsk-runtime.js`, '--root', root, 'list'], {
    env: { ...process.env, TSK_RUNTIME_WRITE_CODE_CACHE: '1' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
} finally {
  rmSync(root, { recursive: true, force: true });
}
