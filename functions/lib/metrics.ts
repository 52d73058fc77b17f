// The product's CloudWatch metrics, through Powertools: one way to emit them (their names are in
// metric-names.ts, which the dashboard reads without loading Powertools).
//
// Powertools writes each flush as an Embedded Metric Format document on stdout, which Lambda's log
// stream turns into metrics without an API call. A Metrics instance keeps its dimensions between
// calls, and the local world runs many Lambdas' code in one process at once, so every emission here
// adds its dimensions, adds its values and flushes in one synchronous block: nothing can interleave.
//
// Only ids, step names, states, reason codes and numbers are ever emitted: never a secret.
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { SERVICE_NAME } from './logger.ts';
import { METRIC, METRICS_NAMESPACE, type MetricName } from './metric-names.ts';
import type { OnThrottle } from './throttles.ts';

export { METRIC, METRICS_NAMESPACE, type MetricName, type ThrottledService } from './metric-names.ts';
export { Metrics, MetricUnit };

export interface MetricValue {
  name: MetricName;
  unit: 'Count' | 'Milliseconds';
  /** One value, or several (a distribution, e.g. every verification's duration). */
  value: number | readonly number[];
}

/**
 * A Lambda's metrics: Powertools' EMF on stdout, in the product's namespace, with the `service`
 * dimension. Powertools itself turns them off with POWERTOOLS_METRICS_DISABLED (or POWERTOOLS_DEV).
 */
export function lambdaMetrics(namespace: string = METRICS_NAMESPACE): Metrics {
  return new Metrics({ namespace, serviceName: SERVICE_NAME });
}

/** EMF keeps at most 100 values of a metric in one document. */
const MAX_VALUES = 100;

/**
 * Adds `values` under `dimensions` (beside the default `service`) and flushes them as one document,
 * or several when a metric has more than 100 values. Powertools would flush the 100th value itself
 * and clear the dimensions with it, so the rest would land without them: each chunk is added whole.
 */
export function emit(
  metrics: Metrics,
  dimensions: Readonly<Record<string, string>>,
  values: readonly MetricValue[],
  at?: Date,
): void {
  const lists = values.map((metric) => ({
    name: metric.name,
    unit: metric.unit === 'Count' ? MetricUnit.Count : MetricUnit.Milliseconds,
    all: typeof metric.value === 'number' ? [metric.value] : metric.value,
  }));
  const longest = Math.max(1, ...lists.map((list) => list.all.length));
  for (let start = 0; start < longest; start += MAX_VALUES) {
    if (at) metrics.setTimestamp(at);
    for (const [name, value] of Object.entries(dimensions)) metrics.addDimension(name, value);
    for (const list of lists) {
      for (const value of list.all.slice(start, start + MAX_VALUES))
        metrics.addMetric(list.name, list.unit, value);
    }
    // A metric's 100th value flushes the document by itself (dimensions and all): nothing is left.
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  }
}

/** What Powertools serializes: one EMF document. */
export type EmfDocument = ReturnType<Metrics['serializeMetrics']>;

/**
 * Metrics kept in memory instead of written to stdout: the local world's and the tests' (the same
 * Powertools serialization, only not printed, so a CLI's output stays its own). With `keep: false`
 * they are serialized and dropped, so a long-running local world does not grow.
 */
export class MemoryMetrics extends Metrics {
  readonly documents: EmfDocument[] = [];
  readonly #keep: boolean;

  constructor(options: { namespace?: string; keep?: boolean } = {}) {
    super({ namespace: options.namespace ?? METRICS_NAMESPACE, serviceName: SERVICE_NAME });
    this.#keep = options.keep ?? true;
  }

  override publishStoredMetrics(): this {
    if (this.hasStoredMetrics()) {
      const document = this.serializeMetrics();
      if (this.#keep) this.documents.push(document);
    }
    this.clearMetrics();
    this.clearDimensions();
    this.clearMetadata();
    return this;
  }
}

/** Counts each throttled attempt as it happens (see throttles.ts), per `Upstream`. */
export function throttleMetric(metrics: Metrics): OnThrottle {
  return (upstream) =>
    emit(metrics, { Upstream: upstream }, [{ name: METRIC.throttles, unit: 'Count', value: 1 }]);
}
