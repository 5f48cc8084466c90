import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, levelFromEnv } from './index.js';

describe('createLogger', () => {
  it('writes JSON lines with the component of a child logger', async () => {
    const out = new PassThrough();
    const chunks: string[] = [];
    out.on('data', (c: Buffer) => chunks.push(c.toString()));
    const log = createLogger({ name: 'tsk-test', destination: out, pretty: false, level: 'info' });
    log.child({ component: 'scheduler' }).info({ pod: 'default/web-1' }, 'bound');
    await new Promise((r) => setImmediate(r));
    const line = JSON.parse(chunks.join('').trim()) as Record<string, unknown>;
    expect(line).toMatchObject({ name: 'tsk-test', component: 'scheduler', pod: 'default/web-1', msg: 'bound' });
  });

  it('takes the level from TSK_LOG_LEVEL only when it is a real level', () => {
    process.env['TSK_LOG_LEVEL'] = 'debug';
    expect(levelFromEnv()).toBe('debug');
    process.env['TSK_LOG_LEVEL'] = 'loud';
    expect(levelFromEnv('warn')).toBe('warn');
    delete process.env['TSK_LOG_LEVEL'];
  });
});
