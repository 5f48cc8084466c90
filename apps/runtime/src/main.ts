#!/usr/bin/env node
/**
 * tsk-runtime: an OCI runtime CLI with runc's verbs and arguments, over @tsk/runtime.
 * Flags are parsed here (args.ts) and handed to the library; nothing else lives in this file.
 * Exit status: the container's for a foreground `run`/`exec`, 1 with a one-line message on error.
 */
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { execInContainer, Runtime, type Process, type RuntimeLogger } from '@tsk/runtime';
import { parse, UsageError, type OptionSpec, type Values, type VerbSpec } from './args.js';

const NAME = 'tsk-runtime';

const GLOBALS: readonly OptionSpec[] = [
  { long: 'root', value: '<dir>', default: '/run/tsk-runtime', help: 'state directory' },
  { long: 'log', value: '<file>', help: 'log file (default: stderr)' },
  { long: 'log-format', value: '<format>', help: 'text or json (accepted for runc compatibility; logs are JSON lines)' },
  { long: 'debug', help: 'debug logging' },
  { long: 'systemd-cgroup', help: 'accepted for compatibility; cgroupfs is always used' },
];

const bundle: OptionSpec = { long: 'bundle', short: 'b', value: '<dir>', default: '.', help: 'bundle directory (config.json + rootfs)' };
const consoleSocket: OptionSpec = { long: 'console-socket', value: '<path>', help: 'unix socket that receives the terminal master' };
const noPivot: OptionSpec = { long: 'no-pivot', help: 'accepted; pivot_root is always used' };
const noNewKeyring: OptionSpec = { long: 'no-new-keyring', help: 'accepted for compatibility' };
const format: OptionSpec = { long: 'format', short: 'f', value: '<format>', default: 'table', help: 'table or json' };

const VERBS: readonly VerbSpec[] = [
  { name: 'create', args: '<id>', help: 'create a container (its process waits for start)', options: [
    bundle, consoleSocket, { long: 'pid-file', value: '<file>', help: 'write the init pid here' }, noPivot, noNewKeyring,
    { long: 'preserve-fds', value: '<n>', default: '0', help: 'accepted; only 0 is supported' },
  ] },
  { name: 'start', args: '<id>', help: 'start the process of a created container', options: [] },
  { name: 'run', args: '<id>', help: 'create and start a container; waits for it unless --detach', options: [
    bundle, consoleSocket, { long: 'pid-file', value: '<file>', help: 'write the init pid here' },
    { long: 'detach', short: 'd', help: 'return once the container runs' }, { long: 'keep', help: 'keep the container after it exits' },
    noPivot, noNewKeyring,
  ] },
  { name: 'state', args: '<id>', help: 'print the OCI state as JSON', options: [] },
  { name: 'kill', args: '<id> [signal]', help: 'send a signal (default SIGTERM) to the container', options: [
    { long: 'all', short: 'a', help: 'signal every process of the container' },
  ] },
  { name: 'delete', args: '<id>', help: 'remove a container: processes (with --force), cgroup, state', options: [
    { long: 'force', short: 'f', help: 'kill it if it is running' },
  ] },
  { name: 'list', args: '', help: 'list containers', options: [format, { long: 'quiet', short: 'q', help: 'ids only' }] },
  { name: 'ps', args: '<id>', help: 'list the processes of a container', options: [format] },
  { name: 'pause', args: '<id>', help: 'freeze every process of the container', options: [] },
  { name: 'resume', args: '<id>', help: 'thaw a paused container', options: [] },
  { name: 'events', args: '<id>', help: 'print resource statistics as JSON', options: [
    { long: 'stats', help: 'print statistics once and exit' }, { long: 'interval', value: '<duration>', default: '5', help: 'seconds between samples' },
  ] },
  { name: 'exec', args: '<id> [command...]', help: 'run a process in a running container', passThrough: true, options: [
    { long: 'tty', short: 't', help: 'allocate a terminal' }, { long: 'cwd', value: '<dir>', help: 'working directory' },
    { long: 'env', short: 'e', value: '<KEY=VALUE>', repeat: true, help: 'set an environment variable (repeatable)' },
    { long: 'detach', short: 'd', help: 'return once the process runs' }, { long: 'pid-file', value: '<file>', help: 'write the process pid here' },
    consoleSocket, { long: 'process', short: 'p', value: '<file>', help: 'process.json to run instead of the command' },
    { long: 'user', short: 'u', value: '<uid[:gid]>', help: 'user to run as' },
  ] },
];

/** Warnings only, as one line on stderr: the default, so a plain verb does not load pino. */
const warnLogger: RuntimeLogger = {
  warn: (obj, msg) => void process.stderr.write(`tsk-runtime: warning: ${msg} ${JSON.stringify(obj)}\n`),
  debug: () => undefined,
  child: () => warnLogger,
};

/** pino (JSON lines) only when asked for with --debug, --log or $TSK_LOG_LEVEL. */
async function makeLogger(g: Values): Promise<RuntimeLogger> {
  if (!g['debug'] && !g['log'] && process.env['TSK_LOG_LEVEL'] === undefined) return warnLogger;
  const { createLogger, levelFromEnv } = await import('@tsk/log');
  const log = str(g['log']);
  return createLogger({
    name: NAME,
    level: g['debug'] ? 'debug' : levelFromEnv('warn'),
    ...(log ? { destination: createWriteStream(log, { flags: 'a' }) } : {}),
  });
}

const str = (v: Values[string]): string | undefined => (typeof v === 'string' ? v : undefined);
const print = (value: unknown): void => void process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);

/** Forwards the signals a terminal or supervisor sends us to the container's process. */
function forwardSignals(pid: number): void {
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'] as const) {
    process.on(sig, () => {
      try {
        process.kill(pid, sig);
      } catch {
        /* already gone */
      }
    });
  }
}

type Handler = (rt: Runtime, args: string[], o: Values) => Promise<void>;

const HANDLERS: Record<string, Handler> = {
  async create(rt, [id = ''], o) {
    await rt.create(id, { bundle: str(o['bundle']) ?? '.', consoleSocket: str(o['consoleSocket']), pidFile: str(o['pidFile']) });
  },
  start: (rt, [id = '']) => rt.start(id),
  async run(rt, [id = ''], o) {
    const c = await rt.run(id, { bundle: str(o['bundle']) ?? '.', consoleSocket: str(o['consoleSocket']), pidFile: str(o['pidFile']), attach: o['detach'] !== true });
    if (o['detach']) return;
    forwardSignals(c.pid);
    const exit = await c.exited;
    if (!o['keep']) await rt.delete(id, true);
    process.exitCode = exit.exitCode;
  },
  state: async (rt, [id = '']) => print(await rt.state(id)),
  kill: (rt, [id = '', signal], o) => rt.kill(id, signal ?? 'SIGTERM', o['all'] === true),
  delete: (rt, [id = ''], o) => rt.delete(id, o['force'] === true),
  async list(rt, _args, o) {
    const all = await rt.list();
    if (o['quiet']) process.stdout.write(all.map((s) => `${s.id}\n`).join(''));
    else if (o['format'] === 'json') process.stdout.write(`${JSON.stringify(all)}\n`);
    else {
      const rows = [['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED'], ...all.map((s) => [s.id, String(s.pid), s.status, s.bundle, s.created])];
      const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
      process.stdout.write(rows.map((r) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n') + '\n');
    }
  },
  async ps(rt, [id = ''], o) {
    const pids = await rt.ps(id);
    if (o['format'] === 'json') {
      process.stdout.write(`${JSON.stringify(pids)}\n`);
      return;
    }
    const lines = ['PID CMD'];
    for (const pid of pids) {
      const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
      lines.push(`${pid} ${cmd.split('\0').join(' ').trim()}`);
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  },
  pause: (rt, [id = '']) => rt.pause(id),
  resume: (rt, [id = '']) => rt.resume(id),
  async events(rt, [id = ''], o) {
    for (;;) {
      print({ type: 'stats', id, data: await rt.stats(id) });
      if (o['stats']) return;
      await new Promise((r) => setTimeout(r, Number.parseFloat(str(o['interval']) ?? '5') * 1000));
    }
  },
  async exec(rt, [id = '', ...command], o) {
    const file = str(o['process']);
    const proc = file ? (JSON.parse(await readFile(file, 'utf8')) as Process) : undefined;
    const user = str(o['user']);
    const [uid, gid] = (user ?? '').split(':').map(Number);
    const r = await execInContainer(rt, id, {
      args: command, env: (o['env'] as string[] | undefined) ?? [], cwd: str(o['cwd']), tty: o['tty'] === true, process: proc,
      consoleSocket: str(o['consoleSocket']), pidFile: str(o['pidFile']), detach: o['detach'] === true,
      user: user !== undefined && uid !== undefined ? { uid, gid: gid ?? 0 } : undefined,
    });
    if (o['detach']) return;
    forwardSignals(r.pid);
    process.exitCode = await r.exited;
  },
};

async function main(argv: string[]): Promise<void> {
  const p = parse(argv, NAME, 'OCI runtime of tsk (runc-compatible verbs)', GLOBALS, VERBS);
  if (p.kind === 'help') {
    process.stdout.write(p.text);
    return;
  }
  const rt = new Runtime({ root: str(p.globals['root']) ?? '/run/tsk-runtime', logger: await makeLogger(p.globals) });
  await HANDLERS[p.verb.name]?.(rt, p.args, p.options);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof UsageError) {
    process.stderr.write(`error: ${err.message}\n\n${err.help}`);
  } else {
    process.stderr.write(`tsk-runtime: ${(err as { message?: string }).message ?? String(err)}\n`);
  }
  process.exitCode = 1;
});
