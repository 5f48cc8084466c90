/**
 * A small declarative command-line parser for tsk-runtime, in place of commander: commander's
 * load and the building of its 14 commands took ~4 ms of every CLI start (Node itself needs
 * ~22 ms). Syntax as before: global options, then the verb, then its options and arguments in
 * any order (`--opt value`, `--opt=value`, `-o value`, `-ovalue`, clustered booleans `-ad`,
 * `--` ends options); a pass-through verb (exec) stops reading options at its first argument.
 */

export interface OptionSpec {
  /** Long name without dashes, e.g. 'console-socket'; the key is its camelCase form. */
  readonly long: string;
  readonly short?: string;
  /** Placeholder of the value ('<dir>'); a flag without one is a boolean. */
  readonly value?: string;
  readonly repeat?: boolean;
  readonly default?: string;
  readonly help: string;
}

export interface VerbSpec {
  readonly name: string;
  /** Arguments as in usage text: '<id>' required, '[signal]' optional, '[command...]' the rest. */
  readonly args: string;
  readonly help: string;
  readonly options: readonly OptionSpec[];
  readonly passThrough?: boolean;
}

export type Values = Record<string, string | boolean | string[] | undefined>;

export type Parsed =
  | { readonly kind: 'verb'; readonly globals: Values; readonly verb: VerbSpec; readonly args: string[]; readonly options: Values }
  | { readonly kind: 'help'; readonly text: string };

/** A usage mistake: the message is printed as `error: MESSAGE` and the exit status is 1. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(
    message: string,
    readonly help: string,
  ) {
    super(message);
  }
}

const HELP: OptionSpec = { long: 'help', short: 'h', help: 'display help for command' };

const camel = (long: string): string => long.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

function defaults(specs: readonly OptionSpec[]): Values {
  const out: Values = {};
  for (const o of specs) {
    if (o.repeat) out[camel(o.long)] = [];
    else if (o.default !== undefined) out[camel(o.long)] = o.default;
  }
  return out;
}

/** Reads one option at argv[i] into `values`; returns how many tokens it used, 0 for "help". */
function readOption(argv: readonly string[], i: number, specs: readonly OptionSpec[], values: Values, help: string): number {
  const tok = argv[i] ?? '';
  const set = (o: OptionSpec, v: string | true): void => {
    const key = camel(o.long);
    if (o.repeat) values[key] = [...((values[key] as string[] | undefined) ?? []), String(v)];
    else values[key] = v;
  };
  if (tok.startsWith('--')) {
    const eq = tok.indexOf('=');
    const name = tok.slice(2, eq < 0 ? undefined : eq);
    if (name === 'help') return 0;
    const o = specs.find((s) => s.long === name);
    if (o === undefined) throw new UsageError(`unknown option '${tok}'`, help);
    if (o.value === undefined) {
      if (eq >= 0) throw new UsageError(`option '--${o.long}' does not take a value`, help);
      set(o, true);
      return 1;
    }
    if (eq >= 0) {
      set(o, tok.slice(eq + 1));
      return 1;
    }
    const v = argv[i + 1];
    if (v === undefined) throw new UsageError(`option '--${o.long} ${o.value}' argument missing`, help);
    set(o, v);
    return 2;
  }
  // A cluster of short options: booleans, the last may take a value (attached or next token).
  for (let k = 1; k < tok.length; k++) {
    const ch = tok[k] ?? '';
    if (ch === 'h') return 0;
    const o = specs.find((s) => s.short === ch);
    if (o === undefined) throw new UsageError(`unknown option '-${ch}'`, help);
    if (o.value === undefined) {
      set(o, true);
      continue;
    }
    if (k + 1 < tok.length) {
      set(o, tok.slice(k + 1));
      return 1;
    }
    const v = argv[i + 1];
    if (v === undefined) throw new UsageError(`option '-${o.short}, --${o.long} ${o.value}' argument missing`, help);
    set(o, v);
    return 2;
  }
  return 1;
}

const isOption = (tok: string): boolean => tok.startsWith('-') && tok.length > 1;

function optionLines(specs: readonly OptionSpec[]): string[] {
  const rows = [...specs, HELP].map((o) => [
    `${o.short ? `-${o.short}, ` : ''}--${o.long}${o.value ? ` ${o.value}` : ''}`,
    `${o.help}${o.default !== undefined ? ` (default: ${JSON.stringify(o.default)})` : ''}`,
  ]);
  const w = Math.max(...rows.map((r) => (r[0] ?? '').length));
  return rows.map(([a, b]) => `  ${(a ?? '').padEnd(w)}  ${b ?? ''}`);
}

export function programHelp(name: string, description: string, globals: readonly OptionSpec[], verbs: readonly VerbSpec[]): string {
  const w = Math.max(...verbs.map((v) => `${v.name} ${v.args}`.length));
  return [
    `Usage: ${name} [options] [command]`, '', description, '', 'Options:', ...optionLines(globals), '', 'Commands:',
    ...verbs.map((v) => `  ${`${v.name} ${v.args}`.trimEnd().padEnd(w)}  ${v.help}`),
    `  ${'help [command]'.padEnd(w)}  display help for command`, '',
  ].join('\n');
}

export function verbHelp(name: string, v: VerbSpec): string {
  return [`Usage: ${name} ${v.name} [options] ${v.args}`.trimEnd(), '', v.help, '', 'Options:', ...optionLines(v.options), ''].join('\n');
}

/** Checks the positional arguments against the verb's '<a> [b] [c...]'. */
function checkArgs(v: VerbSpec, args: readonly string[], help: string): void {
  const specs = v.args.split(' ').filter((a) => a !== '');
  const required = specs.filter((a) => a.startsWith('<'));
  const missing = required[args.length];
  if (missing !== undefined) throw new UsageError(`missing required argument '${missing.slice(1, -1)}'`, help);
  if (!specs.some((a) => a.endsWith('...]')) && args.length > specs.length) {
    throw new UsageError(`too many arguments for '${v.name}'. Expected ${specs.length} argument${specs.length === 1 ? '' : 's'} but got ${args.length}.`, help);
  }
}

export function parse(argv: readonly string[], name: string, description: string, globals: readonly OptionSpec[], verbs: readonly VerbSpec[]): Parsed {
  const top = programHelp(name, description, globals, verbs);
  const g = defaults(globals);
  let i = 0;
  while (i < argv.length && isOption(argv[i] ?? '') && argv[i] !== '--') {
    const used = readOption(argv, i, globals, g, top);
    if (used === 0) return { kind: 'help', text: top };
    i += used;
  }
  if (argv[i] === '--') i++;
  const verbName = argv[i];
  if (verbName === undefined) throw new UsageError('a command is required', top);
  if (verbName === 'help') {
    const v = verbs.find((x) => x.name === argv[i + 1]);
    return { kind: 'help', text: v ? verbHelp(name, v) : top };
  }
  const verb = verbs.find((x) => x.name === verbName);
  if (verb === undefined) throw new UsageError(`unknown command '${verbName}'`, top);
  const help = verbHelp(name, verb);
  const options = defaults(verb.options);
  const args: string[] = [];
  for (i++; i < argv.length; ) {
    const tok = argv[i] ?? '';
    if (verb.passThrough && args.length > 0) {
      args.push(...argv.slice(i)); // all of it, `--` too: it belongs to the command
      break;
    }
    if (tok === '--') {
      args.push(...argv.slice(i + 1));
      break;
    }
    if (!isOption(tok)) {
      args.push(tok);
      i++;
      continue;
    }
    const used = readOption(argv, i, verb.options, options, help);
    if (used === 0) return { kind: 'help', text: help };
    i += used;
  }
  checkArgs(verb, args, help);
  return { kind: 'verb', globals: g, verb, args, options };
}
