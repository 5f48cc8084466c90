/**
 * The tsctl program: global flags, one file per verb under commands/, and the rule that every
 * failure ends as exit status 1 with one line on stderr. `run` takes its I/O as a parameter so
 * unit tests drive the whole CLI in-process.
 */
import { Command, CommanderError } from 'commander';
import { registerApply } from './commands/apply.js';
import { registerCompletion } from './commands/completion.js';
import { registerConfig } from './commands/config.js';
import { registerCordon, registerUncordon } from './commands/cordon.js';
import { registerDelete } from './commands/delete.js';
import { registerDescribe } from './commands/describe.js';
import { registerDrain } from './commands/drain.js';
import { registerGet } from './commands/get.js';
import { imageCommand } from './commands/image.js';
import { registerRollout } from './commands/rollout.js';
import { registerScale } from './commands/scale.js';
import { registerVersion } from './commands/version.js';
import { Context, type GlobalOptions, type Io } from './context.js';
import { formatError, ReportedError } from './errors.js';

/** Gives a verb's action its Context (global flags resolved) from its Command. */
export type ContextFactory = (command: Command) => Context;
export type Registrar = (program: Command, context: ContextFactory) => void;

/** Later verbs (logs, exec, scale, rollout...) add one file and one line here. */
const VERBS: readonly Registrar[] = [
  registerApply,
  registerGet,
  registerDescribe,
  registerDelete,
  registerVersion,
  registerConfig,
  registerCompletion,
  registerScale,
  registerRollout,
  registerCordon,
  registerUncordon,
  registerDrain,
];

export function buildProgram(io: Io, contexts: Context[] = []): Command {
  const program = new Command('tsctl')
    .description('tsctl controls a tsk cluster, as kubectl controls Kubernetes.')
    .option('--server <host:port>', 'address of tsk-server (else $TSK_SERVER, else server: in ~/.tsk/config, else 127.0.0.1:6443)')
    .option('-n, --namespace <namespace>', 'namespace of the request (default: "default")')
    .option('-A, --all-namespaces', 'act on objects in every namespace')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) })
    .showSuggestionAfterError(true);
  program.addHelpCommand(false);
  const factory: ContextFactory = (command) => {
    const ctx = new Context(io, command.optsWithGlobals<GlobalOptions>());
    contexts.push(ctx);
    return ctx;
  };
  for (const register of VERBS) register(program, factory);
  // Image verbs work on the local image store, not the server, so they take no Context.
  program.addCommand(imageCommand({ stdout: io.stdout, stderr: io.stderr, env: io.env, isTTY: process.stdout.isTTY === true }));
  return program;
}

/** Runs tsctl with `argv` (without node and script); resolves to the exit status. */
export async function run(argv: readonly string[], io: Io): Promise<number> {
  const contexts: Context[] = [];
  const program = buildProgram(io, contexts);
  try {
    if (argv.length === 0) {
      io.stdout(program.helpInformation());
      return 0;
    }
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (err) {
    // Commander has already printed its own "error: ..." line (or the help, exit code 0).
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 1;
    if (err instanceof ReportedError) return 1;
    io.stderr(`${formatError(err)}\n`);
    return 1;
  } finally {
    for (const c of contexts) c.close();
  }
}
