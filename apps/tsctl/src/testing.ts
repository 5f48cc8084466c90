/**
 * For tsctl's tests: runs the program in-process against a server address, with a private home
 * (for its config) and its output captured, as a user's shell would see it.
 */
import { silentLogger } from '@tsk/log';
import { run } from './program.js';

export interface TsctlResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface TsctlTestOptions {
  /** The clock tsctl reads (ages, durations); default the real one. */
  readonly now?: () => number;
  /** Called with each piece of stdout as it is written (for watches). */
  readonly onOut?: (s: string) => void;
  /** What tsctl reads as standard input (`-f -`). */
  readonly stdin?: string;
  /** Ends a watching command, as ^C would. */
  readonly signal?: AbortSignal;
}

export async function runTsctl(address: string, home: string, args: readonly string[], options: TsctlTestOptions = {}): Promise<TsctlResult> {
  let stdout = '';
  let stderr = '';
  const code = await run(['--server', address, ...args], {
    stdout: (s) => {
      stdout += s;
      options.onOut?.(s);
    },
    stderr: (s) => (stderr += s),
    readStdin: () => Promise.resolve(options.stdin ?? ''),
    env: {},
    home,
    now: options.now ?? (() => Date.now()),
    signal: options.signal ?? new AbortController().signal,
    logger: silentLogger(),
  });
  return { code, stdout, stderr };
}
