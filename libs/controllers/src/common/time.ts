/**
 * Timestamps. Objects carry RFC 3339 strings (second precision, as Kubernetes writes them);
 * reconcilers get `now` in milliseconds from their caller and never read a clock.
 */

/** Milliseconds since the epoch, or undefined for an unset ("" or undefined) or bad timestamp. */
export function parseTime(text: string | undefined): number | undefined {
  if (text === undefined || text === '') return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

/** RFC 3339 with second precision, as the API server writes timestamps. */
export function formatTime(ms: number): string {
  // toISOString always ends in ".sssZ": cutting those 5 characters is the regex replace without
  // a regex (this runs for every timestamp a controller writes).
  return `${new Date(ms).toISOString().slice(0, -5)}Z`;
}
