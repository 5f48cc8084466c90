/**
 * tsctl completion bash|zsh: prints a completion script to source.
 */
import { type Command } from 'commander';
import { bashCompletion, zshCompletion } from '../completion.js';
import { CliError } from '../errors.js';
import { type ContextFactory } from '../program.js';

export function registerCompletion(program: Command, context: ContextFactory): void {
  program
    .command('completion')
    .description('Print a shell completion script (bash or zsh)')
    .argument('<shell>', 'bash or zsh')
    .action((shell: string, _opts: unknown, cmd: Command) => {
      const ctx = context(cmd);
      const verbs = program.commands.map((c) => c.name()).sort();
      if (shell === 'bash') ctx.out(bashCompletion(verbs));
      else if (shell === 'zsh') ctx.out(zshCompletion(verbs));
      else throw new CliError(`unsupported shell type "${shell}" (bash or zsh)`);
    });
}
