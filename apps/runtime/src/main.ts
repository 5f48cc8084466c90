#!/usr/bin/env node
/**
 * tsk-runtime: an OCI runtime CLI with runc's verbs and arguments, over @tsk/runtime.
 * Flags are parsed here and handed to the library; nothing else lives in this file.
 * Exit status: the container's for a foreground `run`/`exec`, 1 with a one-line message on error.
 */
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { execInContainer, Runtime, type Process, type RuntimeLogger } from '@tsk/runtime';

interface GlobalOpts { root: string; log?: string; logFormat?: string; debug?: boolean; systemdCgroup?: boolean }

const program = new Command('tsk-runtime')
  .description('OCI runtime of tsk (runc-compatible verbs)')
  .option('--root <dir>', 'state directory', '/run/tsk-runtime')
  .option('--log <file>', 'log file (default: stderr)')
  .option('--log-format <format>', 'text or json (accepted for runc compatibility; logs are JSON lines)')
  .option('--debug', 'debug logging')
  .option('--systemd-cgroup', 'accepted for compatibility; cgroupfs is always used')
  .enablePositionalOptions()
  .showHelpAfterError()
  .exitOverride()
  .hook('preAction', setupLogging);

/** Warnings only, as one line on stderr: the default, so a plain verb does not load pino. */
const warnLogger: RuntimeLogger = {
  warn: (obj, msg) => void process.stderr.write(`tsk-runtime: warning: ${msg} ${JSON.stringify(obj)}\n`),
  debug: () => undefined,
  child: () => warnLogger,
};

let logger: RuntimeLogger = warnLogger;

/** pino (JSON lines) only when asked for with --debug, --log or $TSK_LOG_LEVEL. */
async function setupLogging(): Promise<void> {
  const g = program.opts<GlobalOpts>();
  if (!g.debug && !g.log && process.env['TSK_LOG_LEVEL'] === undefined) return;
  const { createLogger, levelFromEnv } = await import('@tsk/log');
  logger = createLogger({
    name: 'tsk-runtime',
    level: g.debug ? 'debug' : levelFromEnv('warn'),
    ...(g.log ? { destination: createWriteStream(g.log, { flags: 'a' }) } : {}),
  });
}

function runtime(): Runtime {
  return new Runtime({ root: program.opts<GlobalOpts>().root, logger });
}

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

const bundleOpt = (): Option => new Option('-b, --bundle <dir>', 'bundle directory (config.json + rootfs)').default('.');

program.command('create <id>').description('create a container (its process waits for start)')
  .addOption(bundleOpt()).option('--console-socket <path>', 'unix socket that receives the terminal master')
  .option('--pid-file <file>', 'write the init pid here').option('--no-pivot', 'accepted; pivot_root is always used')
  .option('--no-new-keyring', 'accepted for compatibility').option('--preserve-fds <n>', 'accepted; only 0 is supported', '0')
  .action(async (id: string, o: { bundle: string; consoleSocket?: string; pidFile?: string }) => {
    await runtime().create(id, { bundle: o.bundle, consoleSocket: o.consoleSocket, pidFile: o.pidFile });
  });

program.command('start <id>').description('start the process of a created container')
  .action(async (id: string) => runtime().start(id));

program.command('run <id>').description('create and start a container; waits for it unless --detach')
  .addOption(bundleOpt()).option('--console-socket <path>', 'unix socket that receives the terminal master')
  .option('--pid-file <file>', 'write the init pid here').option('-d, --detach', 'return once the container runs')
  .option('--keep', 'keep the container after it exits').option('--no-pivot', 'accepted; pivot_root is always used')
  .option('--no-new-keyring', 'accepted for compatibility')
  .action(async (id: string, o: { bundle: string; consoleSocket?: string; pidFile?: string; detach?: boolean; keep?: boolean }) => {
    const rt = runtime();
    const c = await rt.run(id, { bundle: o.bundle, consoleSocket: o.consoleSocket, pidFile: o.pidFile, attach: o.detach !== true });
    if (o.detach) return;
    forwardSignals(c.pid);
    const exit = await c.exited;
    if (!o.keep) await rt.delete(id, true);
    process.exitCode = exit.exitCode;
  });

program.command('state <id>').description('print the OCI state as JSON')
  .action(async (id: string) => print(await runtime().state(id)));

program.command('kill <id> [signal]').description('send a signal (default SIGTERM) to the container')
  .option('-a, --all', 'signal every process of the container')
  .action(async (id: string, signal: string | undefined, o: { all?: boolean }) => runtime().kill(id, signal ?? 'SIGTERM', o.all === true));

program.command('delete <id>').description('remove a container: processes (with --force), cgroup, state')
  .option('-f, --force', 'kill it if it is running')
  .action(async (id: string, o: { force?: boolean }) => runtime().delete(id, o.force === true));

program.command('list').description('list containers')
  .option('-f, --format <format>', 'table or json', 'table').option('-q, --quiet', 'ids only')
  .action(async (o: { format: string; quiet?: boolean }) => {
    const all = await runtime().list();
    if (o.quiet) process.stdout.write(all.map((s) => `${s.id}\n`).join(''));
    else if (o.format === 'json') process.stdout.write(`${JSON.stringify(all)}\n`);
    else {
      const rows = [['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED'], ...all.map((s) => [s.id, String(s.pid), s.status, s.bundle, s.created])];
      const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
      process.stdout.write(rows.map((r) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n') + '\n');
    }
  });

program.command('ps <id>').description('list the processes of a container')
  .option('-f, --format <format>', 'table or json', 'table')
  .action(async (id: string, o: { format: string }) => {
    const pids = await runtime().ps(id);
    if (o.format === 'json') {
      process.stdout.write(`${JSON.stringify(pids)}\n`);
      return;
    }
    const lines = ['PID CMD'];
    for (const pid of pids) {
      const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
      lines.push(`${pid} ${cmd.split('\0').join(' ').trim()}`);
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  });

program.command('pause <id>').description('freeze every process of the container').action(async (id: string) => runtime().pause(id));
program.command('resume <id>').description('thaw a paused container').action(async (id: string) => runtime().resume(id));

program.command('events <id>').description('print resource statistics as JSON')
  .option('--stats', 'print statistics once and exit').option('--interval <duration>', 'seconds between samples', '5')
  .action(async (id: string, o: { stats?: boolean; interval: string }) => {
    const rt = runtime();
    for (;;) {
      print({ type: 'stats', id, data: await rt.stats(id) });
      if (o.stats) return;
      await new Promise((r) => setTimeout(r, Number.parseFloat(o.interval) * 1000));
    }
  });

const collect = (v: string, prev: string[]): string[] => [...prev, v];

program.command('exec <id> [command...]').description('run a process in a running container').passThroughOptions()
  .option('-t, --tty', 'allocate a terminal').option('--cwd <dir>', 'working directory')
  .option('-e, --env <KEY=VALUE>', 'set an environment variable (repeatable)', collect, [])
  .option('-d, --detach', 'return once the process runs').option('--pid-file <file>', 'write the process pid here')
  .option('--console-socket <path>', 'unix socket that receives the terminal master')
  .option('-p, --process <file>', 'process.json to run instead of the command')
  .option('-u, --user <uid[:gid]>', 'user to run as')
  .action(async (id: string, command: string[], o: { tty?: boolean; cwd?: string; env: string[]; detach?: boolean; pidFile?: string; consoleSocket?: string; process?: string; user?: string }) => {
    const proc = o.process ? (JSON.parse(await readFile(o.process, 'utf8')) as Process) : undefined;
    const [uid, gid] = (o.user ?? '').split(':').map(Number);
    const r = await execInContainer(runtime(), id, {
      args: command, env: o.env, cwd: o.cwd, tty: o.tty === true, process: proc, consoleSocket: o.consoleSocket,
      pidFile: o.pidFile, detach: o.detach === true,
      user: o.user !== undefined && uid !== undefined ? { uid, gid: gid ?? 0 } : undefined,
    });
    if (o.detach) return;
    forwardSignals(r.pid);
    process.exitCode = await r.exited;
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  const e = err as { code?: string; exitCode?: number; message?: string };
  if (typeof e.code === 'string' && e.code.startsWith('commander.')) {
    process.exitCode = e.exitCode ?? 1;
  } else {
    process.stderr.write(`tsk-runtime: ${e.message ?? String(err)}\n`);
    process.exitCode = 1;
  }
});
