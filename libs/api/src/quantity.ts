/**
 * Kubernetes resource quantities: "500m", "2", "1.5", "128Mi", "1G", "1e3".
 * CPU is handled in millicores, everything else in whole units (bytes, pods), rounded up as
 * Kubernetes rounds requests.
 */
import { InvalidError } from './errors.js';

const SUFFIX: Readonly<Record<string, number>> = {
  '': 1,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
  Pi: 1024 ** 5,
  Ei: 1024 ** 6,
};

const QUANTITY = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)|[eE]([+-]?\d+))?$/;

/** The value of a quantity in base units (cores, bytes); `path` names the field in errors. */
export function parseQuantity(text: string, path = ''): number {
  const m = QUANTITY.exec(text.trim());
  if (m === null) {
    throw new InvalidError(`"${text}" is not a quantity (examples: 500m, 2, 128Mi, 1G)`, path);
  }
  const base = Number(m[1]);
  const value = m[3] !== undefined ? base * 10 ** Number(m[3]) : base * SUFFIX[m[2] ?? '']!;
  if (!Number.isFinite(value)) throw new InvalidError(`"${text}" is out of range`, path);
  return value;
}

/** CPU in millicores, rounded up: "500m" -> 500, "2" -> 2000, "0.1" -> 100. */
export function parseCpuMillis(text: string, path = ''): number {
  return Math.ceil(parseQuantity(text, path) * 1000 - 1e-9);
}

/** Bytes (or any whole-unit resource), rounded up: "128Mi" -> 134217728. */
export function parseBytes(text: string, path = ''): number {
  return Math.ceil(parseQuantity(text, path) - 1e-9);
}

/** Millicores as Kubernetes prints them: 500 -> "500m", 2000 -> "2". */
export function formatCpuMillis(millis: number): string {
  return millis % 1000 === 0 ? String(millis / 1000) : `${millis}m`;
}

/** Bytes with the largest binary suffix that divides them: 134217728 -> "128Mi". */
export function formatBytes(bytes: number): string {
  for (const s of ['Ei', 'Pi', 'Ti', 'Gi', 'Mi', 'Ki'] as const) {
    const unit = SUFFIX[s]!;
    if (bytes >= unit && bytes % unit === 0) return `${bytes / unit}${s}`;
  }
  return String(bytes);
}
