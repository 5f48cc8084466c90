/**
 * Building blocks of validation: Kubernetes' name and key rules and small checks that throw an
 * InvalidError naming the field. Validation stops at the first error, so a user fixes one line
 * at a time, but every message says what is allowed, not only what is wrong.
 */
import { InvalidError } from '../errors.js';
import { parseQuantity } from '../quantity.js';

export function fail(path: string, message: string): never {
  throw new InvalidError(message, path);
}

/** "" and undefined are alike: proto3 scalars decoded from the wire read as "" when unset. */
export function isSet(value: string | undefined): value is string {
  return value !== undefined && value !== '';
}

export function show(value: unknown): string {
  return JSON.stringify(value);
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const IANA_SVC_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;

export function isDnsLabel(value: string): boolean {
  return value.length <= 63 && DNS_LABEL.test(value);
}

export function isDnsSubdomain(value: string): boolean {
  return value.length <= 253 && DNS_SUBDOMAIN.test(value);
}

export function checkDnsLabel(value: string, path: string): void {
  if (!isDnsLabel(value)) {
    fail(
      path,
      `${show(value)} is not a valid DNS-1123 label: at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit (e.g. "my-name")`,
    );
  }
}

export function checkDnsSubdomain(value: string, path: string): void {
  if (!isDnsSubdomain(value)) {
    fail(
      path,
      `${show(value)} is not a valid DNS-1123 subdomain: at most 253 lower-case letters, digits, '-' and '.', starting and ending with a letter or digit (e.g. "example.com")`,
    );
  }
}

export function isQualifiedName(key: string): boolean {
  const slash = key.lastIndexOf('/');
  const prefix = slash < 0 ? undefined : key.slice(0, slash);
  const name = slash < 0 ? key : key.slice(slash + 1);
  return (prefix === undefined || isDnsSubdomain(prefix)) && name.length <= 63 && QUALIFIED_NAME.test(name);
}

/** A label or annotation key: an optional DNS-subdomain prefix and '/', then a name of at most 63. */
export function checkQualifiedName(key: string, path: string): void {
  if (!isQualifiedName(key)) {
    fail(
      path,
      `${show(key)} is not a valid key: an optional DNS subdomain prefix and '/', then at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit (e.g. "app.kubernetes.io/name")`,
    );
  }
}

function isLabelValue(value: string): boolean {
  return value.length <= 63 && LABEL_VALUE.test(value);
}

export function checkLabelValue(value: string, path: string): void {
  if (!isLabelValue(value)) {
    fail(
      path,
      `${show(value)} is not a valid label value: empty, or at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit`,
    );
  }
}

export function checkLabels(labels: Readonly<Record<string, string>> | undefined, path: string): void {
  for (const [k, v] of Object.entries(labels ?? {})) {
    // The path is only spelled out for a refusal: every write checks every label.
    if (!isQualifiedName(k)) checkQualifiedName(k, `${path}[${show(k)}]`);
    if (!isLabelValue(v)) checkLabelValue(v, `${path}[${show(k)}]`);
  }
}

/** A named port (container port names, targetPort names): IANA service name rules. */
export function checkPortName(value: string, path: string): void {
  if (value.length > 15 || !IANA_SVC_NAME.test(value) || !/[a-z]/.test(value) || value.includes('--')) {
    fail(
      path,
      `${show(value)} is not a valid port name: at most 15 lower-case letters, digits and '-', with at least one letter, no '--', not starting or ending with '-' (e.g. "http")`,
    );
  }
}

export function checkPort(value: number | undefined, path: string, what = 'port'): void {
  if (value === undefined || !Number.isInteger(value) || value < 1 || value > 65535) {
    fail(path, `${what} must be between 1 and 65535, got ${value ?? 0}`);
  }
}

export function checkOneOf(value: string | undefined, allowed: readonly string[], path: string): void {
  const v = value ?? '';
  if (!allowed.includes(v)) {
    fail(path, `${v === '' ? 'required value' : `unsupported value ${show(v)}`}: must be one of ${allowed.map((a) => show(a)).join(', ')}`);
  }
}

export function checkMin(value: number | undefined, min: number, path: string): void {
  if (value !== undefined && value < min) fail(path, `must be greater than or equal to ${min}, got ${value}`);
}

export function checkConfigKey(key: string, path: string): void {
  if (key.length > 253 || !CONFIG_KEY.test(key) || key === '.' || key === '..' || key.startsWith('..')) {
    fail(
      path,
      `${show(key)} is not a valid key: at most 253 letters, digits, '-', '_' and '.', not "." or ".." and not starting with ".."`,
    );
  }
}

export function checkQuantity(text: string, path: string): number {
  const n = parseQuantity(text, path);
  if (n < 0) fail(path, `must be a non-negative quantity, got ${show(text)}`);
  return n;
}

/** A path relative to a volume: not absolute and no ".." element (no escaping the volume). */
export function checkRelativePath(value: string, path: string): void {
  if (value.startsWith('/')) fail(path, `${show(value)} must be a relative path`);
  if (value.split('/').includes('..')) fail(path, `${show(value)} must not contain '..'`);
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function isIPv4(value: string): boolean {
  return IPV4.test(value);
}

export function ipv4ToNumber(value: string): number {
  return value.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

/** An IPv4 CIDR whose address has no host bits set: "10.244.1.0/24", not "10.244.1.7/24". */
export function checkIPv4Cidr(value: string, path: string): void {
  const m = /^([^/]+)\/(\d{1,2})$/.exec(value);
  const bits = m === null ? -1 : Number(m[2]);
  if (m === null || !isIPv4(m[1]!) || bits > 32) {
    fail(path, `${show(value)} is not a valid IPv4 CIDR (e.g. "10.250.0.0/24")`);
  }
  const hostMask = bits === 0 ? 0xffffffff : 2 ** (32 - bits) - 1;
  if (ipv4ToNumber(m[1]!) % (hostMask + 1) !== 0) {
    fail(path, `${show(value)} has host bits set; did you mean "${networkOf(m[1]!, bits)}/${bits}"?`);
  }
}

function networkOf(ip: string, bits: number): string {
  const size = 2 ** (32 - bits);
  let n = Math.floor(ipv4ToNumber(ip) / size) * size;
  const parts: number[] = [];
  for (let i = 0; i < 4; i++) {
    parts.unshift(n % 256);
    n = Math.floor(n / 256);
  }
  return parts.join('.');
}

/** Whether two proto-shaped values are equal, treating "", 0, false, [] and {} as unset. */
export function sameValue(a: unknown, b: unknown): boolean {
  const fast = sameNormalized(a, b, 0);
  if (fast !== MAYBE) return fast === EQUAL;
  return sameValueByJson(a, b);
}

/** The definition sameValue keeps to: equal JSON of the normalized values. */
export function sameValueByJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(normalize(a)) === JSON.stringify(normalize(b));
}

const EQUAL = 0;
const UNEQUAL = 1;
/** Only the JSON can tell (NaN, a function, a bigint, a cycle...). */
const MAYBE = 2;
type Answer = typeof EQUAL | typeof UNEQUAL | typeof MAYBE;

/** normalize's `out[k] = ...` sets the prototype for this key, so JSON never shows it. */
const PROTO = '__proto__';

/** Past this the walk leaves a value to the JSON (which also reports a cycle as it always did). */
const MAX_WALK_DEPTH = 100;

/** normalize(v) === undefined, without building it. */
function isUnset(v: unknown, depth: number): boolean | typeof MAYBE {
  if (v === undefined || v === null || v === '' || v === 0 || v === false) return true;
  if (typeof v !== 'object') return false;
  if (Array.isArray(v) || v instanceof Uint8Array) return v.length === 0;
  if (depth > MAX_WALK_DEPTH) return MAYBE;
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (k === PROTO) continue;
    const u = isUnset(o[k], depth + 1);
    if (u !== true) return u;
  }
  return true;
}

/**
 * sameValueByJson(a, b) without normalizing or stringifying: EQUAL or UNEQUAL when the answer
 * is sure, MAYBE when a value is one whose JSON is not simply itself.
 */
function sameNormalized(a: unknown, b: unknown, depth: number): Answer {
  if (depth > MAX_WALK_DEPTH) return MAYBE;
  const ua = isUnset(a, depth);
  const ub = isUnset(b, depth);
  if (ua === MAYBE || ub === MAYBE) return MAYBE;
  if (ua || ub) return ua && ub ? EQUAL : settled(ua ? b : a, depth);
  const ta = typeof a;
  if (ta !== 'object' || typeof b !== 'object') {
    // Strings, finite numbers and true are their own JSON, each different from any other.
    if (!plain(a) || !plain(b)) return MAYBE;
    return a === b ? EQUAL : UNEQUAL;
  }
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    // Normalized to base64: bytes equal exactly when their base64 is; bytes against a string is rare.
    if (!(a instanceof Uint8Array) || !(b instanceof Uint8Array)) return MAYBE;
    if (a.length !== b.length) return UNEQUAL;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return UNEQUAL;
    return EQUAL;
  }
  const la = Array.isArray(a);
  if (la !== Array.isArray(b)) return settled(a, depth) === MAYBE ? MAYBE : settled(b, depth);
  if (la) {
    // Unset items stay in place (as null), so items compare pairwise.
    const x = a as unknown[];
    const y = b as unknown[];
    if (x.length !== y.length) return settled(a, depth) === MAYBE ? MAYBE : settled(b, depth);
    let answer: Answer = EQUAL;
    for (let i = 0; i < x.length; i++) {
      const c = sameNormalized(x[i], y[i], depth + 1);
      if (c === MAYBE) return MAYBE;
      if (c === UNEQUAL) answer = UNEQUAL;
    }
    return answer;
  }
  // Objects: unset entries are dropped and keys sorted, so compare entry sets with unset = absent.
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let answer: Answer = EQUAL;
  for (const k of Object.keys(x)) {
    if (k === PROTO) continue;
    const c = sameNormalized(x[k], ownValue(y, k), depth + 1);
    if (c === MAYBE) return MAYBE;
    if (c === UNEQUAL) answer = UNEQUAL;
  }
  for (const k of Object.keys(y)) {
    if (k === PROTO || isOwnKey(x, k)) continue;
    const c = sameNormalized(undefined, y[k], depth + 1);
    if (c === MAYBE) return MAYBE;
    if (c === UNEQUAL) answer = UNEQUAL;
  }
  return answer;
}

function plain(v: unknown): boolean {
  const t = typeof v;
  return t === 'string' || t === 'boolean' || (t === 'number' && Number.isFinite(v));
}

const isOwnKey = (o: object, k: string): boolean => Object.prototype.propertyIsEnumerable.call(o, k);

/** What normalize reads for key k: an own enumerable property, else nothing. */
function ownValue(o: Record<string, unknown>, k: string): unknown {
  return isOwnKey(o, k) ? o[k] : undefined;
}

/**
 * UNEQUAL if a value that is set differs from every other, MAYBE if its JSON could still
 * surprise (or throw); checked by comparing the value with itself.
 */
function settled(v: unknown, depth: number): Answer {
  return sameNormalized(v, v, depth + 1) === EQUAL ? UNEQUAL : MAYBE;
}

function normalize(v: unknown): unknown {
  if (v === undefined || v === null || v === '' || v === 0 || v === false) return undefined;
  if (Array.isArray(v)) return v.length === 0 ? undefined : v.map(normalize);
  if (v instanceof Uint8Array) return v.length === 0 ? undefined : Buffer.from(v).toString('base64');
  if (typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const n = normalize((v as Record<string, unknown>)[k]);
      if (n !== undefined) out[k] = n;
    }
    return Object.keys(out).length === 0 ? undefined : out;
  }
  return v;
}
