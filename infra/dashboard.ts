// The operator's CloudWatch dashboard: tenants by state over time, provisioning's outcomes and run
// time, each step's failures and p95, throttling by upstream, the verification runs, and the state
// of the stack's alarms. Every metric is one the Lambdas emit through Powertools; the names come from
// functions/lib/metric-names.ts, so a renamed metric fails the template test, not the graph.
import { Duration } from 'aws-cdk-lib';
import {
  AlarmBase,
  AlarmStatusWidget,
  Dashboard,
  GraphWidget,
  type IAlarm,
  type IWidget,
  Metric,
  PeriodOverride,
  TextWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import { Construct, type IConstruct } from 'constructs';
import { PROVISIONING_STEPS } from '../functions/catalog.ts';
import { SERVICE_NAME } from '../functions/lib/logger.ts';
import {
  METRIC,
  METRICS_NAMESPACE,
  type MetricName,
  type ThrottledService,
} from '../functions/lib/metric-names.ts';

export interface FederationDashboardProps {
  /** The dashboard's name. */
  readonly name: string;
  /** The alarms whose state the dashboard shows. */
  readonly alarms: readonly IAlarm[];
  /** The namespace the Lambdas emit in. @default METRICS_NAMESPACE */
  readonly namespace?: string;
}

/** The states a verification run counts tenants in (the `State` dimension of `Tenants`). */
const TENANT_STATES = ['verified', 'drifted', 'broken', 'error'] as const;
const UPSTREAMS: readonly ThrottledService[] = ['Cognito', 'DynamoDB', 'EventBridge', 'Authentik'];
/** The steps whose runs the dashboard charts: the preflight, the guide's steps, the verification. */
const STEPS = ['validate-tenant', ...PROVISIONING_STEPS, 'verify-federation'] as const;

const WIDTH = 24;
const HALF = 12;
const HEIGHT = 6;

/** Every alarm (metric or composite) made in `scope` so far. */
export function alarmsIn(scope: IConstruct): IAlarm[] {
  return scope.node.findAll().filter((construct): construct is AlarmBase => construct instanceof AlarmBase);
}

export class FederationDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: FederationDashboardProps) {
    super(scope, id);
    const namespace = props.namespace ?? METRICS_NAMESPACE;
    const metric = (
      name: MetricName,
      statistic: string,
      dimensions: Record<string, string> = {},
      label?: string,
    ) =>
      new Metric({
        namespace,
        metricName: name,
        // Powertools adds `service` to every metric's dimensions.
        dimensionsMap: { service: SERVICE_NAME, ...dimensions },
        statistic,
        period: Duration.minutes(5),
        ...(label ? { label } : {}),
      });

    const rows: IWidget[][] = [
      [
        new TextWidget({
          markdown:
            '# Authentik → Cognito federation\nTenants by state are counted at the end of each ' +
            'verification run (the schedule and `federation verify --all`); provisioning figures ' +
            'come from each execution as it ends.',
          width: WIDTH,
          height: 2,
        }),
      ],
      [
        new GraphWidget({
          title: 'Tenants by state (at each verification run)',
          left: TENANT_STATES.map((state) =>
            metric(METRIC.tenants, 'Maximum', { State: state }, state).with({ period: Duration.hours(1) }),
          ),
          stacked: true,
          width: HALF,
          height: HEIGHT,
        }),
        new AlarmStatusWidget({
          title: 'Alarms',
          alarms: [...props.alarms],
          width: HALF,
          height: HEIGHT,
        }),
      ],
      [
        new GraphWidget({
          title: 'Provisioning: executions that succeeded and failed',
          left: (['provision', 'deprovision'] as const).flatMap((operation) => [
            metric(METRIC.executionSucceeded, 'Sum', { Operation: operation }, `${operation} succeeded`),
            metric(METRIC.executionFailed, 'Sum', { Operation: operation }, `${operation} failed`),
          ]),
          width: HALF,
          height: HEIGHT,
        }),
        new GraphWidget({
          title: 'Provisioning: duration (p50, p95)',
          left: (['p50', 'p95'] as const).map((statistic) =>
            metric(METRIC.executionDuration, statistic, { Operation: 'provision' }, `provision ${statistic}`),
          ),
          leftYAxis: { label: 'ms', showUnits: false, min: 0 },
          width: HALF,
          height: HEIGHT,
        }),
      ],
      [
        new GraphWidget({
          title: 'Steps: runs that threw (retried by the state machine, or failing it)',
          left: STEPS.map((step) => metric(METRIC.stepFailed, 'Sum', { Step: step, Action: 'apply' }, step)),
          width: HALF,
          height: HEIGHT,
        }),
        new GraphWidget({
          title: 'Steps: apply duration (p95)',
          left: STEPS.map((step) =>
            metric(METRIC.stepDuration, 'p95', { Step: step, Action: 'apply' }, step),
          ),
          leftYAxis: { label: 'ms', showUnits: false, min: 0 },
          width: HALF,
          height: HEIGHT,
        }),
      ],
      [
        new GraphWidget({
          title: 'Throttled requests, by upstream (every attempt, retried ones included)',
          left: UPSTREAMS.map((upstream) =>
            metric(METRIC.throttles, 'Sum', { Upstream: upstream }, upstream),
          ),
          width: HALF,
          height: HEIGHT,
        }),
        new GraphWidget({
          title: 'Verification: run time, and one tenant (p95)',
          left: [metric(METRIC.verificationRunDuration, 'Maximum', {}, 'whole run')],
          right: [metric(METRIC.verificationDuration, 'p95', {}, 'one tenant p95')],
          leftYAxis: { label: 'ms', showUnits: false, min: 0 },
          rightYAxis: { label: 'ms', showUnits: false, min: 0 },
          width: HALF,
          height: HEIGHT,
        }),
      ],
    ];

    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: props.name,
      defaultInterval: Duration.days(7),
      periodOverride: PeriodOverride.AUTO,
      widgets: rows,
    });
  }
}
