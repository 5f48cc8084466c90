// `npm run bench -- NAME [ARGS...]`: runs test/bench/NAME.ts, whose default export takes the rest
// of the arguments. Each benchmark measures tsk against a peer in the same run and prints ratios.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const names = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && f !== 'main.ts' && !f.startsWith('_'))
  .map((f) => f.slice(0, -3));
const [name, ...rest] = process.argv.slice(2);
if (name === undefined || !names.includes(name)) {
  process.stderr.write(`usage: npm run bench -- NAME [ARGS...]; NAME is one of: ${names.join(', ')}\n`);
  process.exit(2);
}
const mod = (await import(`./${name}.ts`)) as { default: (args: string[]) => Promise<void> };
await mod.default(rest);
