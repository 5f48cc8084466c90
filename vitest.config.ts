import { defineConfig } from 'vitest/config';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// Tests import sibling packages by name; point those names at their TypeScript sources so a
// test never runs against a stale dist/ build.
const libsDir = fileURLToPath(new URL('./libs/', import.meta.url));
const alias = readdirSync(libsDir).map((name) => ({
  find: new RegExp(`^@tsk/${name}$`),
  replacement: `${libsDir}${name}/src/index.ts`,
}));

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['libs/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts'],
          testTimeout: 20_000,
        },
      },
      {
        extends: true,
        test: {
          // Integration tests: real processes, real etcd, the real kernel. They share host
          // resources (ports are free-picked, but CPU is 2 cores), so run files one at a time.
          name: 'integration',
          include: ['test/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
