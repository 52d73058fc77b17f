// CloudWatch metrics in the Embedded Metric Format: one JSON document per line on stdout, which
// Lambda's log stream turns into metrics without an API call (and without a metrics library).
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html

export type MetricUnit = 'Count' | 'Milliseconds';

export interface Metric {
  name: string;
  unit: MetricUnit;
  /** One value, or several (EMF keeps up to 100 values per metric and document). */
  value: number | number[];
}

export type EmfDocument = Record<string, unknown> & {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: {
      Namespace: string;
      Dimensions: string[][];
      Metrics: { Name: string; Unit: string }[];
    }[];
  };
};

export type MetricsSink = (document: EmfDocument) => void;

const MAX_VALUES = 100;

/** One EMF document: the metrics under one set of dimensions. */
export function emfDocument(
  namespace: string,
  dimensions: Record<string, string>,
  metrics: readonly Metric[],
  timestamp = Date.now(),
): EmfDocument {
  const values = Object.fromEntries(
    metrics.map((m) => [m.name, Array.isArray(m.value) ? m.value.slice(0, MAX_VALUES) : m.value]),
  );
  return {
    _aws: {
      Timestamp: timestamp,
      CloudWatchMetrics: [
        {
          Namespace: namespace,
          Dimensions: [Object.keys(dimensions)],
          Metrics: metrics.map((m) => ({ Name: m.name, Unit: m.unit })),
        },
      ],
    },
    ...dimensions,
    ...values,
  };
}

/** Lambda: a line on stdout, outside the JSON logger (EMF documents have their own shape). */
export const stdoutMetrics: MetricsSink = (document) => {
  process.stdout.write(`${JSON.stringify(document)}\n`);
};
