// Throttling, counted where it happens: every throttled attempt of an AWS SDK request, including the
// ones the SDK's own retries then got through, and every 429 from Authentik. The errors the steps
// finally throw show only the throttling nothing could absorb; Cognito's request-rate quotas are the
// product's binding limit, so the dashboard shows every throttled attempt.
import { awsErrorParts, THROTTLING_EXCEPTION } from './aws-errors.ts';
import type { ThrottledService } from './metric-names.ts';

/** Told of each throttled attempt; it must not throw (a request's outcome stays its own). */
export type OnThrottle = (upstream: ThrottledService) => void;

/**
 * The services' names for "slow down": the common ThrottlingException (Secrets Manager, EventBridge,
 * DynamoDB), Cognito's TooManyRequestsException and DynamoDB's ProvisionedThroughputExceededException
 * and RequestLimitExceeded (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/CommonErrors.html).
 */
const THROTTLE_NAMES: ReadonlySet<string> = new Set([
  THROTTLING_EXCEPTION,
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
]);

export function isThrottle(error: unknown): boolean {
  const { name, status } = awsErrorParts(error);
  return THROTTLE_NAMES.has(name) || status === 429;
}

/** What countThrottles needs of an SDK client: its middleware stack. */
interface WithMiddleware {
  middlewareStack: {
    add(
      middleware: (next: (args: never) => Promise<unknown>) => (args: never) => Promise<unknown>,
      options: { step: 'deserialize'; name: string; priority: 'high' },
    ): void;
  };
}

/**
 * Counts `client`'s throttled attempts. The middleware sits in the deserialize step, inside the
 * SDK's retry loop (finalizeRequest), and outside the deserializer, so it sees each attempt's parsed
 * error, named as the service named it.
 */
export function countThrottles<C extends WithMiddleware>(
  client: C,
  upstream: ThrottledService,
  onThrottle: OnThrottle | undefined,
): C {
  if (!onThrottle) return client;
  client.middlewareStack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        if (isThrottle(error)) safely(onThrottle, upstream);
        throw error;
      }
    },
    { step: 'deserialize', name: 'countThrottles', priority: 'high' },
  );
  return client;
}

/** A failing counter must not turn a request's answer into another error. */
export function safely(onThrottle: OnThrottle, upstream: ThrottledService): void {
  try {
    onThrottle(upstream);
  } catch {
    // metrics are best effort; the request's own outcome is what matters
  }
}
