// Which AWS SDK errors are transient: worth the state machines' retry (they retry TransientError
// only). One rule for every AWS client here: an error is transient when its `name` is one the
// service's module lists, when `$metadata.httpStatusCode` is 5xx, and, where the service opts in, when
// the status is 429 or Node's `code` is a network failure. Each service's module lists its own names
// (with their reference pages) next to the common ones below and says which options it takes; the
// services differ on purpose, and a union would change what one of them retries.

/** The parts of an SDK error that classify it; '' and 0 where the error has none. */
export interface AwsErrorParts {
  /** The exception's name, e.g. `ThrottlingException` (the SDK sets it to the service's error code). */
  name: string;
  /** `$metadata.httpStatusCode`, the HTTP status the service answered; 0 when no answer came. */
  status: number;
  /** Node's system error code (`ECONNRESET`…), set on failures below HTTP. */
  code: string;
}

export function awsErrorParts(error: unknown): AwsErrorParts {
  const like = error as
    | { name?: unknown; code?: unknown; $metadata?: { httpStatusCode?: number } }
    | null
    | undefined;
  return {
    name: typeof like?.name === 'string' ? like.name : '',
    status: like?.$metadata?.httpStatusCode ?? 0,
    code: typeof like?.code === 'string' ? like.code : '',
  };
}

/** The exception's name, or '' (what the services' modules compare against). */
export function awsErrorName(error: unknown): string {
  return awsErrorParts(error).name;
}

// ---------------------------------------------------------------------------------------------
// Names more than one service answers

/**
 * Throttling, in every service's list of common errors, e.g.
 * https://docs.aws.amazon.com/secretsmanager/latest/apireference/CommonErrors.html and
 * https://docs.aws.amazon.com/step-functions/latest/apireference/CommonErrors.html.
 */
export const THROTTLING_EXCEPTION = 'ThrottlingException';

/**
 * The service is unavailable (HTTP 503), in the same common-errors lists, e.g.
 * https://docs.aws.amazon.com/secretsmanager/latest/apireference/CommonErrors.html.
 */
export const SERVICE_UNAVAILABLE = 'ServiceUnavailable';

/**
 * The SDK's own names for a request that timed out, which it retries itself before giving up
 * (TRANSIENT_ERROR_CODES of @smithy/core's service-error-classification;
 * https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html). `TimeoutError` is
 * what the Node HTTP handler throws when its request or connection timeout passes.
 */
export const TIMEOUT_ERROR = 'TimeoutError';
export const REQUEST_TIMEOUT = 'RequestTimeout';
export const REQUEST_TIMEOUT_EXCEPTION = 'RequestTimeoutException';

/**
 * The name version 2 of the JavaScript SDK gave a failed connection
 * (https://docs.aws.amazon.com/sdk-for-javascript/v2/developer-guide/retry-strategy.html).
 */
export const NETWORKING_ERROR = 'NetworkingError';

/**
 * Node's codes for a connection that failed or broke (https://nodejs.org/api/errors.html#common-system-errors;
 * EAI_AGAIN is getaddrinfo's "try again", https://man7.org/linux/man-pages/man3/getaddrinfo.3.html).
 */
export const NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
]);

// ---------------------------------------------------------------------------------------------
// The rule

export interface TransientRules {
  /** The exception names that mean "try again": the service's own and the common ones it answers. */
  readonly names: readonly string[];
  /** Whether HTTP 429 counts too (DynamoDB answers throttling with 400 and a name instead). */
  readonly tooManyRequests: boolean;
  /** Whether NETWORK_CODES count too. */
  readonly networkCodes: boolean;
}

/** Whether an error is transient: `rules`, and every 5xx. */
export type TransientTest = (error: unknown) => boolean;

export function transientTest(rules: TransientRules): TransientTest {
  const names: ReadonlySet<string> = new Set(rules.names);
  return (error) => {
    const { name, status, code } = awsErrorParts(error);
    return (
      names.has(name) ||
      status >= 500 ||
      (rules.tooManyRequests && status === 429) ||
      (rules.networkCodes && NETWORK_CODES.has(code))
    );
  };
}
