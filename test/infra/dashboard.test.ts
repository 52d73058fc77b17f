// The operator's dashboard in the synthesized template: one dashboard, charting the metrics the
// Lambdas emit (by the names in functions/lib/metric-names.ts) with the statistics that answer the
// operator's questions, and the state of every alarm in the stack. cdk-nag and cfn-lint cover it in
// stack.test.ts, which synthesizes the same stack.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METRIC, METRICS_NAMESPACE } from '../../functions/lib/metric-names.ts';
import { STACK_NAME } from '../../infra/federation-app.ts';
import { type Synthesized, synth } from './support.ts';

let s: Synthesized;
beforeAll(() => {
  s = synth();
}, 120_000);
afterAll(() => s?.dispose());

interface Widget {
  type: string;
  properties: { title?: string; metrics?: unknown[][]; alarms?: string[] };
}

/** One charted metric: its name, its dimensions beside `service`, its statistic. */
interface Charted {
  namespace: string;
  name: string;
  dimensions: Record<string, string>;
  stat: string;
  widget: string;
}

/**
 * The dashboard's body as CloudWatch reads it. CloudFormation joins it from strings, the region and
 * the alarms' ARNs; the region is put back as `region`, each ARN as `arn:<the alarm's logical id>`,
 * so the body parses as JSON.
 */
function dashboardBody(): { widgets: Widget[] } {
  const dashboards = Object.values(s.json.Resources).filter((r) => r.Type === 'AWS::CloudWatch::Dashboard');
  expect(dashboards).toHaveLength(1);
  expect(dashboards[0]?.Properties?.DashboardName).toBe(STACK_NAME);
  const body = dashboards[0]?.Properties?.DashboardBody as string | { 'Fn::Join': [string, unknown[]] };
  const parts = typeof body === 'string' ? [body] : body['Fn::Join'][1];
  const text = parts
    .map((part) => {
      if (typeof part === 'string') return part;
      if (JSON.stringify(part) === '{"Ref":"AWS::Region"}') return 'region';
      const [id, attribute] = (part as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'];
      expect(attribute).toBe('Arn');
      return `arn:${id}`;
    })
    .join('');
  return JSON.parse(text) as { widgets: Widget[] };
}

/** Every metric of every graph, with its options (statistic) from the entry's last element. */
function charted(widgets: Widget[]): Charted[] {
  return widgets.flatMap((widget) =>
    (widget.properties.metrics ?? []).map((entry) => {
      const options = (typeof entry.at(-1) === 'object' ? entry.at(-1) : {}) as { stat?: string };
      const fields = entry.filter((field): field is string => typeof field === 'string');
      const [namespace = '', name = '', ...pairs] = fields;
      const dimensions: Record<string, string> = {};
      for (let i = 0; i + 1 < pairs.length; i += 2) dimensions[pairs[i] as string] = pairs[i + 1] as string;
      return {
        namespace,
        name,
        dimensions,
        stat: options.stat ?? 'Average',
        widget: widget.properties.title ?? '',
      };
    }),
  );
}

describe('the dashboard', () => {
  it('charts tenants by state, provisioning outcomes and p50/p95, throttles and verification run time', () => {
    const metrics = charted(dashboardBody().widgets);
    expect(new Set(metrics.map((m) => m.namespace))).toEqual(new Set([METRICS_NAMESPACE]));
    // Powertools puts `service` on every metric; a graph without it would stay empty.
    expect(metrics.every((m) => m.dimensions.service === 'authentik-cognito-federation')).toBe(true);
    const has = (name: string, stat: string, dimensions: Record<string, string> = {}) =>
      metrics.some(
        (m) =>
          m.name === name &&
          m.stat === stat &&
          Object.entries(dimensions).every(([key, value]) => m.dimensions[key] === value),
      );

    for (const state of ['verified', 'drifted', 'broken', 'error']) {
      expect(has(METRIC.tenants, 'Maximum', { State: state }), `tenants ${state}`).toBe(true);
    }
    expect(has(METRIC.executionSucceeded, 'Sum', { Operation: 'provision' })).toBe(true);
    expect(has(METRIC.executionFailed, 'Sum', { Operation: 'provision' })).toBe(true);
    expect(has(METRIC.executionDuration, 'p50', { Operation: 'provision' })).toBe(true);
    expect(has(METRIC.executionDuration, 'p95', { Operation: 'provision' })).toBe(true);
    for (const upstream of ['Cognito', 'DynamoDB', 'Authentik']) {
      expect(has(METRIC.throttles, 'Sum', { Upstream: upstream }), upstream).toBe(true);
    }
    expect(has(METRIC.verificationRunDuration, 'Maximum')).toBe(true);
    expect(has(METRIC.verificationDuration, 'p95')).toBe(true);
    expect(has(METRIC.stepDuration, 'p95', { Step: 'ensure-identity-provider', Action: 'apply' })).toBe(true);
    expect(has(METRIC.stepFailed, 'Sum', { Step: 'enable-identity-provider', Action: 'apply' })).toBe(true);
  });

  it('names only metrics the Lambdas emit', () => {
    const emitted = new Set<string>(Object.values(METRIC));
    const unknown = charted(dashboardBody().widgets).filter((m) => !emitted.has(m.name));
    expect(unknown).toEqual([]);
  });

  it('shows the state of every alarm in the stack', () => {
    const alarmIds = Object.entries(s.json.Resources)
      .filter(([, resource]) => resource.Type === 'AWS::CloudWatch::Alarm')
      .map(([id]) => `arn:${id}`);
    expect(alarmIds.length).toBeGreaterThan(0);
    const statuses = dashboardBody().widgets.filter((w) => w.type === 'alarm');
    expect(statuses).toHaveLength(1);
    expect([...(statuses[0]?.properties.alarms ?? [])].sort()).toEqual(alarmIds.sort());
  });
});
