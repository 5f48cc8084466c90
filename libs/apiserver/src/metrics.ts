/**
 * Prometheus text metrics without a dependency: request counts by method and code, latency
 * histograms by method, and gauges read at scrape time.
 */
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface Histogram {
  readonly counts: number[];
  sum: number;
  count: number;
}

export interface Gauges {
  readonly watchers: number;
  readonly storeRevision: number;
}

/** Event loop delay since the previous scrape (as prom-client does): where stalls show. */
export interface LoopDelay {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

function label(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

export class Metrics {
  private readonly requests = new Map<string, { method: string; code: string; count: number }>();
  private readonly latency = new Map<string, Histogram>();

  observe(method: string, code: string, seconds: number): void {
    const key = `${method}\0${code}`;
    const counter = this.requests.get(key) ?? { method, code, count: 0 };
    counter.count++;
    this.requests.set(key, counter);
    let h = this.latency.get(method);
    if (h === undefined) {
      h = { counts: BUCKETS.map(() => 0), sum: 0, count: 0 };
      this.latency.set(method, h);
    }
    for (let i = 0; i < BUCKETS.length; i++) if (seconds <= BUCKETS[i]!) h.counts[i]!++;
    h.sum += seconds;
    h.count++;
  }

  render(gauges: Gauges, loop?: LoopDelay): string {
    const lines: string[] = [];
    lines.push('# HELP tsk_apiserver_requests_total API requests by method and gRPC code.');
    lines.push('# TYPE tsk_apiserver_requests_total counter');
    for (const c of this.requests.values()) {
      lines.push(`tsk_apiserver_requests_total{method="${label(c.method)}",code="${label(c.code)}"} ${c.count}`);
    }
    lines.push('# HELP tsk_apiserver_request_duration_seconds API request latency by method.');
    lines.push('# TYPE tsk_apiserver_request_duration_seconds histogram');
    for (const [method, h] of this.latency) {
      const m = label(method);
      BUCKETS.forEach((b, i) => lines.push(`tsk_apiserver_request_duration_seconds_bucket{method="${m}",le="${b}"} ${h.counts[i]!}`));
      lines.push(`tsk_apiserver_request_duration_seconds_bucket{method="${m}",le="+Inf"} ${h.count}`);
      lines.push(`tsk_apiserver_request_duration_seconds_sum{method="${m}"} ${h.sum}`);
      lines.push(`tsk_apiserver_request_duration_seconds_count{method="${m}"} ${h.count}`);
    }
    lines.push('# HELP tsk_apiserver_watches Open watch streams.');
    lines.push('# TYPE tsk_apiserver_watches gauge');
    lines.push(`tsk_apiserver_watches ${gauges.watchers}`);
    lines.push('# HELP tsk_store_revision The store revision.');
    lines.push('# TYPE tsk_store_revision gauge');
    lines.push(`tsk_store_revision ${gauges.storeRevision}`);
    if (loop !== undefined) {
      lines.push('# HELP nodejs_eventloop_delay_seconds Event loop delay since the previous scrape.');
      lines.push('# TYPE nodejs_eventloop_delay_seconds gauge');
      lines.push(`nodejs_eventloop_delay_seconds{quantile="0.5"} ${loop.p50}`);
      lines.push(`nodejs_eventloop_delay_seconds{quantile="0.99"} ${loop.p99}`);
      lines.push(`nodejs_eventloop_delay_seconds{quantile="1"} ${loop.max}`);
    }
    return `${lines.join('\n')}\n`;
  }
}
