/** Kubernetes' MicroTime as RFC 3339 with microseconds ("2026-01-02T15:04:05.123000Z"), as Lease.renewTime carries. */
export function microTime(date: Date): string {
  return date.toISOString().replace(/Z$/, '000Z');
}

/** Kubernetes' metav1.Time: RFC 3339 to the second. */
export function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
