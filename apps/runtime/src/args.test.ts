import { describe, expect, it } from 'vitest';
import { parse, UsageError, type OptionSpec, type VerbSpec } from './args.js';

const globals: OptionSpec[] = [
  { long: 'root', value: '<dir>', default: '/run/x', help: 'state' },
  { long: 'debug', help: 'debug' },
];
const verbs: VerbSpec[] = [
  { name: 'create', args: '<id>', help: 'create', options: [
    { long: 'bundle', short: 'b', value: '<dir>', default: '.', help: 'bundle' },
    { long: 'pid-file', value: '<file>', help: 'pid file' },
    { long: 'no-pivot', help: 'accepted' },
  ] },
  { name: 'kill', args: '<id> [signal]', help: 'kill', options: [{ long: 'all', short: 'a', help: 'all' }, { long: 'force', short: 'f', help: 'f' }] },
  { name: 'exec', args: '<id> [command...]', help: 'exec', passThrough: true, options: [
    { long: 'env', short: 'e', value: '<KV>', repeat: true, help: 'env' },
    { long: 'tty', short: 't', help: 'tty' },
  ] },
];
const p = (...argv: string[]) => parse(argv, 'rt', 'desc', globals, verbs);

describe('tsk-runtime argument parser', () => {
  it('reads globals, the verb, its options in any order and defaults', () => {
    const r = p('--root', '/r', '--debug', 'create', 'c1', '--pid-file=/p', '-b', 'B', '--no-pivot');
    expect(r).toMatchObject({ kind: 'verb', globals: { root: '/r', debug: true }, args: ['c1'], options: { bundle: 'B', pidFile: '/p', noPivot: true } });
    expect(p('create', '-bB', 'c1')).toMatchObject({ globals: { root: '/run/x' }, options: { bundle: 'B' } });
    expect(p('create', 'c1')).toMatchObject({ options: { bundle: '.' } });
  });

  it('takes clustered short flags and optional arguments', () => {
    expect(p('kill', '-af', 'c1', 'KILL')).toMatchObject({ args: ['c1', 'KILL'], options: { all: true, force: true } });
    expect(p('kill', 'c1')).toMatchObject({ args: ['c1'] });
  });

  it('passes everything after the first argument of exec to the command, repeats -e', () => {
    expect(p('exec', '-e', 'A=1', '--env=B=2', '-t', 'c1', 'sh', '-c', 'echo -e')).toMatchObject({
      args: ['c1', 'sh', '-c', 'echo -e'], options: { env: ['A=1', 'B=2'], tty: true },
    });
    expect(p('exec', 'c1', '--', 'x')).toMatchObject({ args: ['c1', '--', 'x'] });
  });

  it('refuses unknown options and commands, missing and extra arguments, missing values', () => {
    expect(() => p('--bogus', 'create', 'c')).toThrow(UsageError);
    expect(() => p('--bogus', 'create', 'c')).toThrow("unknown option '--bogus'");
    expect(() => p('create', '-x', 'c')).toThrow("unknown option '-x'");
    expect(() => p('nope')).toThrow("unknown command 'nope'");
    expect(() => p('create')).toThrow("missing required argument 'id'");
    expect(() => p('create', 'a', 'b')).toThrow("too many arguments for 'create'");
    expect(() => p('create', 'c', '--bundle')).toThrow("option '--bundle <dir>' argument missing");
    expect(() => p('--debug')).toThrow('a command is required');
  });

  it('answers --help, -h and help VERB with usage text', () => {
    expect(p('--help')).toMatchObject({ kind: 'help', text: expect.stringContaining('create <id>') as string });
    expect(p('create', '-h')).toMatchObject({ kind: 'help', text: expect.stringContaining('--pid-file <file>') as string });
    expect(p('help', 'kill')).toMatchObject({ kind: 'help', text: expect.stringContaining('Usage: rt kill [options] <id> [signal]') as string });
  });
});
