/*
 * Both formats are memoised on the last instant asked for: a hollow agent stamps every lease
 * of a pacer tick with one Date and every pod it reports within a second with the same
 * second, so toISOString and the regex run once per tick or second instead of once per object.
 */
let microMs = Number.NaN;
let microText = '';
let secondKey = Number.NaN;
let secondText = '';

/** Kubernetes' MicroTime as RFC 3339 with microseconds ("2026-01-02T15:04:05.123000Z"), as Lease.renewTime carries. */
export function microTime(date: Date): string {
  const ms = date.getTime();
  if (ms !== microMs) {
    // An invalid date (NaN) never matches, so toISOString throws for it as before.
    microText = date.toISOString().replace(/Z$/, '000Z');
    microMs = ms;
  }
  return microText;
}

/** Kubernetes' metav1.Time: RFC 3339 to the second. */
export function rfc3339(date: Date): string {
  const second = Math.floor(date.getTime() / 1000);
  if (second !== secondKey) {
    secondText = date.toISOString().replace(/\.\d{3}Z$/, 'Z');
    secondKey = second;
  }
  return secondText;
}
