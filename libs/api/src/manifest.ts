/**
 * Manifests: multi-document YAML or JSON text in Kubernetes shape, parsed into typed objects.
 * Errors are one line naming the file, the document and the field:
 *   web.yaml: document 3 (Deployment demo/web): spec.replicas: expected integer, got "three"
 * Hostile input is bounded: documents over 1.5 MiB, alias bombs and nesting deeper than 100
 * levels are refused before they can cost much memory or stack.
 */
import { parseAllDocuments } from 'yaml';
import { decodeManifest, MAX_DEPTH } from './convert.js';
import { InvalidError, isTskError } from './errors.js';
import { type KindInfo, type KindObject } from './kinds.js';

/** Kubernetes' request size limit, per document. */
export const MAX_DOCUMENT_BYTES = 1.5 * 1024 * 1024;
/** Alias expansions allowed per document (the yaml package counts expanded nodes). */
const MAX_ALIAS_COUNT = 100;

export interface ManifestDocument {
  /** 1-based position in the file, as error messages count. */
  readonly index: number;
  readonly info: KindInfo;
  readonly object: KindObject;
}

/** A manifest could not be used; `message` is the one line a user sees. */
export class ManifestError extends InvalidError {
  override name = 'ManifestError';
  constructor(
    message: string,
    readonly file: string,
    readonly document: number,
    options?: { cause?: unknown },
  ) {
    super(message, '', options);
  }
}

function label(doc: unknown): string {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return '';
  const d = doc as Record<string, unknown>;
  const meta = (typeof d['metadata'] === 'object' && d['metadata'] !== null ? d['metadata'] : {}) as Record<string, unknown>;
  const kind = typeof d['kind'] === 'string' ? d['kind'] : '';
  const name = typeof meta['name'] === 'string' ? meta['name'] : '';
  const ns = typeof meta['namespace'] === 'string' ? meta['namespace'] : '';
  const id = ns !== '' && name !== '' ? `${ns}/${name}` : name;
  const parts = [kind, id].filter((p) => p !== '');
  return parts.length > 0 ? ` (${parts.join(' ')})` : '';
}

/** Depth of a parsed value, iteratively (a recursive walk could itself overflow the stack). */
function depthOf(root: unknown): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[root, 1]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (d > max) max = d;
    if (d > MAX_DEPTH + 1) return d;
    if (typeof v === 'object' && v !== null) {
      for (const child of Object.values(v)) {
        if (typeof child === 'object' && child !== null) stack.push([child, d + 1]);
      }
    }
  }
  return max;
}

/**
 * Deepest nesting of JSON-style brackets, skipping quoted strings and comments: a cheap bound
 * checked before the parser, whose recursion a deep `[[[[...` could otherwise exhaust.
 */
function flowDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let quote = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote !== '') {
      if (ch === '\\' && quote === '"') i++;
      else if (ch === quote) quote = '';
    } else if (ch === '"' || (ch === "'" && /[\s[{,:]/.test(text[i - 1] ?? ' '))) {
      quote = ch;
    } else if (ch === '#' && /\s/.test(text[i - 1] ?? ' ')) {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? text.length : nl;
    } else if (ch === '[' || ch === '{') {
      if (++depth > max) max = depth;
    } else if (ch === ']' || ch === '}') {
      depth--;
    }
  }
  return max;
}

function isStackOverflow(err: unknown): boolean {
  return err instanceof RangeError && /call stack/i.test(err.message);
}

/** Parses YAML/JSON text into plain JSON values, one per non-empty document. */
export function parseDocuments(text: string, file: string): unknown[] {
  if (flowDepth(text) > MAX_DEPTH) throw new ManifestError(`${file}: nested deeper than ${MAX_DEPTH} levels`, file, 0);
  const values: unknown[] = [];
  let docs;
  try {
    docs = parseAllDocuments(text, { uniqueKeys: true, prettyErrors: false, strict: true });
  } catch (err) {
    if (isStackOverflow(err)) throw new ManifestError(`${file}: nested deeper than ${MAX_DEPTH} levels`, file, 0, { cause: err });
    throw new ManifestError(`${file}: ${(err as Error).message}`, file, 0, { cause: err });
  }
  if (!Array.isArray(docs)) docs = [docs];
  docs.forEach((doc, i) => {
    const n = i + 1;
    const where = `${file}: document ${n}`;
    const [start, , end] = doc.range;
    if (end - start > MAX_DOCUMENT_BYTES) {
      throw new ManifestError(`${where}: larger than the 1.5 MiB limit`, file, n);
    }
    const error = doc.errors[0];
    if (error !== undefined && /call stack/i.test(error.message)) {
      throw new ManifestError(`${where}: nested deeper than ${MAX_DEPTH} levels`, file, n);
    }
    if (error !== undefined) {
      const line = error.linePos?.[0];
      const at = line !== undefined ? ` (line ${line.line}, column ${line.col})` : '';
      throw new ManifestError(`${where}: invalid YAML${at}: ${error.message.split('\n')[0]}`, file, n);
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (err) {
      if (isStackOverflow(err)) throw new ManifestError(`${where}: nested deeper than ${MAX_DEPTH} levels`, file, n, { cause: err });
      const msg = (err as Error).message;
      throw new ManifestError(
        /alias/i.test(msg) ? `${where}: too many YAML aliases (an alias bomb?)` : `${where}: ${msg}`,
        file,
        n,
        { cause: err },
      );
    }
    if (value === null || value === undefined) return; // an empty document, as kubectl skips
    if (depthOf(value) > MAX_DEPTH) throw new ManifestError(`${where}: nested deeper than ${MAX_DEPTH} levels`, file, n);
    values.push(value);
  });
  return values;
}

/**
 * Parses manifest text into typed objects. A `List` (what `tsctl get -o json` prints for several
 * objects) contributes its items. Throws a ManifestError naming file, document and field.
 */
export function parseManifests(text: string, file = '<stdin>'): ManifestDocument[] {
  const out: ManifestDocument[] = [];
  const values = parseDocuments(text, file);
  let index = 0;
  for (const value of values) {
    const items =
      typeof value === 'object' && value !== null && (value as Record<string, unknown>)['kind'] === 'List'
        ? (value as Record<string, unknown>)['items']
        : [value];
    if (!Array.isArray(items)) {
      throw new ManifestError(`${file}: document ${index + 1}: items: expected a list`, file, index + 1);
    }
    for (const item of items) {
      index++;
      try {
        const { info, object } = decodeManifest(item);
        out.push({ index, info, object });
      } catch (err) {
        if (!isTskError(err)) throw err;
        throw new ManifestError(`${file}: document ${index}${label(item)}: ${err.message}`, file, index, { cause: err });
      }
    }
  }
  return out;
}
