/**
 * Containerfile (Dockerfile) parsing: line continuations, comments, the JSON (exec) and shell
 * forms, flags such as --chown, and Docker's variable substitution ($VAR, ${VAR},
 * ${VAR:-default}, ${VAR:+alt}). Every instruction keeps its line number so errors can name it.
 */
import { ImageError } from './errors.js';

export interface Instruction {
  /** Upper-case keyword: FROM, COPY, ... */
  readonly keyword: string;
  /** Everything after the keyword and flags, continuation lines joined. */
  readonly args: string;
  /** --name=value flags before the arguments. */
  readonly flags: Readonly<Record<string, string>>;
  /** The exec form's array, when the arguments are a JSON string array. */
  readonly json?: readonly string[];
  /** 1-based line where the instruction starts. */
  readonly line: number;
  /** The instruction as written (for history and the cache key). */
  readonly original: string;
}

const FLAGGED = new Set(['COPY', 'ADD', 'FROM', 'RUN']);

/** Parses the text of a Containerfile; `file` names it in errors. */
export function parseContainerfile(text: string, file = 'Containerfile'): Instruction[] {
  const lines = text.split(/\r?\n/);
  const out: Instruction[] = [];
  let i = 0;
  while (i < lines.length) {
    const first = lines[i] as string;
    const start = i + 1;
    i++;
    if (/^\s*(#.*)?$/.test(first)) continue;
    let text = first;
    // A trailing backslash continues the instruction; comment lines inside are dropped.
    while (/\\\s*$/.test(text) && i < lines.length) {
      text = text.replace(/\\\s*$/, '');
      let next = lines[i] as string;
      i++;
      while (/^\s*(#.*)?$/.test(next) && i < lines.length) next = lines[i++] as string;
      if (/^\s*(#.*)?$/.test(next)) break;
      text += next.trim() === '' ? '' : ` ${next.trim()}`;
    }
    text = text.replace(/\\\s*$/, '');
    const m = /^\s*([A-Za-z]+)(?:\s+(.*))?$/.exec(text);
    if (m === null) throw new ImageError('INVALID_ARGUMENT', 'build', `${file}:${start}`, `cannot parse "${text.trim()}"`);
    const keyword = (m[1] as string).toUpperCase();
    let rest = (m[2] ?? '').trim();
    const flags: Record<string, string> = {};
    if (FLAGGED.has(keyword)) {
      for (let f = /^--([\w-]+)(?:=(\S*))?\s*/.exec(rest); f !== null; f = /^--([\w-]+)(?:=(\S*))?\s*/.exec(rest)) {
        flags[f[1] as string] = f[2] ?? 'true';
        rest = rest.slice(f[0].length);
      }
    }
    let json: string[] | undefined;
    if (rest.startsWith('[')) {
      try {
        const v = JSON.parse(rest) as unknown;
        if (Array.isArray(v) && v.every((x) => typeof x === 'string')) json = v;
      } catch {
        // not JSON: the shell form, as Docker treats it
      }
    }
    out.push({ keyword, args: rest, flags, ...(json !== undefined ? { json } : {}), line: start, original: text.trim() });
  }
  return out;
}

/** Docker's variable substitution over `text` with `vars`. */
export function substitute(text: string, vars: ReadonlyMap<string, string>): string {
  return text.replace(/\\\$|\$\{([A-Za-z_]\w*)(?::([-+])([^}]*))?\}|\$([A-Za-z_]\w*)/g, (whole, braced?: string, op?: string, word?: string, bare?: string) => {
    if (whole === '\\$') return '$';
    const name = braced ?? bare ?? '';
    const value = vars.get(name);
    if (op === '-') return value === undefined || value === '' ? (word ?? '') : value;
    if (op === '+') return value === undefined || value === '' ? '' : (word ?? '');
    return value ?? '';
  });
}

/** Splits shell-like words, honouring quotes and backslashes (for COPY, ENV and LABEL). */
export function words(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: string | undefined;
  let has = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < text.length) cur += text[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      has = true;
    } else if (c === '\\' && i + 1 < text.length) {
      cur += text[++i];
      has = true;
    } else if (/\s/.test(c)) {
      if (has || cur !== '') out.push(cur);
      cur = '';
      has = false;
    } else {
      cur += c;
      has = true;
    }
  }
  if (has || cur !== '') out.push(cur);
  return out;
}

/** KEY=VALUE pairs (ENV, LABEL, ARG); the legacy `ENV KEY value with spaces` form too. */
export function keyValues(args: string, legacy: boolean): [string, string][] {
  const ws = words(args);
  if (legacy && ws.length > 0 && !(ws[0] as string).includes('=')) {
    const m = /^\s*(\S+)\s+(.*)$/.exec(args);
    if (m !== null) return [[m[1] as string, (words(m[2] as string).join(' '))]];
  }
  return ws.map((w) => {
    const eq = w.indexOf('=');
    return eq < 0 ? [w, ''] : [w.slice(0, eq), w.slice(eq + 1)];
  });
}
