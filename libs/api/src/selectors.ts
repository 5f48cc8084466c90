/**
 * Label and field selectors, with kubectl's syntax:
 *   labels: "app=web,tier!=db,env in (prod,staging),release notin (canary),gpu,!legacy"
 *   fields: "metadata.name=web-1,spec.nodeName=node-2,status.phase!=Running"
 */
import { InvalidError } from './errors.js';
import { type LabelSelector } from './gen/tsk/v1/meta.js';

export type Operator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';

export interface Requirement {
  readonly key: string;
  readonly operator: Operator;
  readonly values: readonly string[];
}

/** A parsed label selector: all requirements must hold. The empty selector matches everything. */
export type Selector = readonly Requirement[];

const KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function checkKey(key: string, path: string): string {
  if (!KEY.test(key) || key.length > 316) throw new InvalidError(`invalid label key "${key}"`, path);
  return key;
}

function checkValue(value: string, path: string): string {
  if (!VALUE.test(value) || value.length > 63) throw new InvalidError(`invalid label value "${value}"`, path);
  return value;
}

/** Splits on commas that are not inside parentheses. */
function splitTerms(text: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      terms.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  terms.push(current);
  return terms.map((t) => t.trim()).filter((t) => t !== '');
}

/** Parses kubectl's label selector syntax. `path` names the flag or field in errors. */
export function parseLabelSelector(text: string, path = 'labelSelector'): Selector {
  const out: Requirement[] = [];
  for (const term of splitTerms(text)) {
    let m: RegExpMatchArray | null;
    if ((m = term.match(/^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/)) !== null) {
      const values = m[3]!.split(',').map((v) => checkValue(v.trim(), path));
      out.push({ key: checkKey(m[1]!, path), operator: m[2] === 'in' ? 'In' : 'NotIn', values });
    } else if ((m = term.match(/^([^=!<>\s]+)\s*(==|=|!=)\s*([^=!\s]*)$/)) !== null) {
      const value = checkValue(m[3]!, path);
      out.push({ key: checkKey(m[1]!, path), operator: m[2] === '!=' ? 'NotIn' : 'In', values: [value] });
    } else if ((m = term.match(/^([^=!<>\s]+)\s*(<|>)\s*(-?\d+)$/)) !== null) {
      out.push({ key: checkKey(m[1]!, path), operator: m[2] === '>' ? 'Gt' : 'Lt', values: [m[3]!] });
    } else if ((m = term.match(/^!\s*([^=!<>\s]+)$/)) !== null) {
      out.push({ key: checkKey(m[1]!, path), operator: 'DoesNotExist', values: [] });
    } else if (/^[^=!<>\s()]+$/.test(term)) {
      out.push({ key: checkKey(term, path), operator: 'Exists', values: [] });
    } else {
      throw new InvalidError(`cannot parse selector term "${term}"`, path);
    }
  }
  return out;
}

/** Converts an object's LabelSelector (matchLabels + matchExpressions) to requirements. */
export function fromLabelSelector(selector: LabelSelector | undefined, path = 'selector'): Selector {
  if (selector === undefined) return [];
  const out: Requirement[] = [];
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    out.push({ key, operator: 'In', values: [value] });
  }
  (selector.matchExpressions ?? []).forEach((e, i) => {
    const op = e.operator ?? '';
    if (!['In', 'NotIn', 'Exists', 'DoesNotExist'].includes(op)) {
      throw new InvalidError(`operator must be In, NotIn, Exists or DoesNotExist, got "${op}"`, `${path}.matchExpressions[${i}].operator`);
    }
    const values = e.values ?? [];
    if ((op === 'In' || op === 'NotIn') && values.length === 0) {
      throw new InvalidError(`operator ${op} needs at least one value`, `${path}.matchExpressions[${i}].values`);
    }
    if ((op === 'Exists' || op === 'DoesNotExist') && values.length > 0) {
      throw new InvalidError(`operator ${op} takes no values`, `${path}.matchExpressions[${i}].values`);
    }
    out.push({ key: e.key ?? '', operator: op as Operator, values });
  });
  return out;
}

export function matches(selector: Selector, labels: Readonly<Record<string, string>> | undefined): boolean {
  const l = labels ?? {};
  for (const r of selector) {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    const v = l[r.key];
    switch (r.operator) {
      case 'In':
        if (!has || !r.values.includes(v!)) return false;
        break;
      case 'NotIn':
        if (has && r.values.includes(v!)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      case 'Gt':
      case 'Lt': {
        if (!has) return false;
        const n = Number(v);
        const bound = Number(r.values[0]);
        if (!Number.isFinite(n) || (r.operator === 'Gt' ? !(n > bound) : !(n < bound))) return false;
        break;
      }
    }
  }
  return true;
}

export function selectorToString(selector: Selector): string {
  return selector
    .map((r) => {
      switch (r.operator) {
        case 'In':
          return r.values.length === 1 ? `${r.key}=${r.values[0]}` : `${r.key} in (${r.values.join(',')})`;
        case 'NotIn':
          return r.values.length === 1 ? `${r.key}!=${r.values[0]}` : `${r.key} notin (${r.values.join(',')})`;
        case 'Exists':
          return r.key;
        case 'DoesNotExist':
          return `!${r.key}`;
        case 'Gt':
          return `${r.key}>${r.values[0]}`;
        case 'Lt':
          return `${r.key}<${r.values[0]}`;
      }
    })
    .join(',');
}

export interface FieldRequirement {
  readonly path: string;
  readonly equal: boolean;
  readonly value: string;
}

/** Parses "a.b=x,c!=y" (also "=="). */
export function parseFieldSelector(text: string, path = 'fieldSelector'): readonly FieldRequirement[] {
  return splitTerms(text).map((term) => {
    const m = term.match(/^([A-Za-z0-9_.]+)\s*(==|=|!=)\s*(.*)$/);
    if (m === null) throw new InvalidError(`cannot parse field selector term "${term}"`, path);
    return { path: m[1]!, equal: m[2] !== '!=', value: m[3]!.trim() };
  });
}

/** Reads a dotted path ("spec.nodeName") from an object; absent reads as "". */
export function fieldValue(object: unknown, path: string): string {
  let v: unknown = object;
  for (const part of path.split('.')) {
    if (typeof v !== 'object' || v === null) return '';
    v = (v as Record<string, unknown>)[part];
  }
  if (v === undefined || v === null) return '';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

export function matchesFields(requirements: readonly FieldRequirement[], object: unknown): boolean {
  return requirements.every((r) => (fieldValue(object, r.path) === r.value) === r.equal);
}
