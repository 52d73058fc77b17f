// The Cognito client a verification works with: it only reads, and it reads each thing once.
//
// The step checks and the end-to-end checks each describe the same identity provider, app client
// and user pool; without this they would send the same Describe* call three times, and Cognito's
// read quotas (15 or 20 per second for the whole account) are what bound a verification of every
// tenant. With it, one verification costs exactly one call in each of UserPoolRead,
// UserPoolClientRead and UserPoolResourceRead (two of the latter when the domain is on managed
// login: the app client's branding style too), which is what the verification machine's
// concurrency is sized by. A write is refused outright: a verification changes nothing.
import {
  type CognitoIdentityProviderClient,
  DescribeIdentityProviderCommand,
  DescribeManagedLoginBrandingByClientCommand,
  DescribeUserPoolClientCommand,
  DescribeUserPoolCommand,
} from '@aws-sdk/client-cognito-identity-provider';

interface Command {
  readonly input: unknown;
}

/**
 * The reads a verification makes, by class (the bundles are minified, so class names cannot be
 * trusted), with their operation names. A check that needs another read adds it here.
 */
const READS: readonly [abstract new (...args: never[]) => object, string][] = [
  [DescribeUserPoolCommand, 'DescribeUserPool'],
  [DescribeUserPoolClientCommand, 'DescribeUserPoolClient'],
  [DescribeIdentityProviderCommand, 'DescribeIdentityProvider'],
  [DescribeManagedLoginBrandingByClientCommand, 'DescribeManagedLoginBrandingByClient'],
];

/** The operation name of a read this module allows, or undefined. */
export function readOperationOf(command: Command): string | undefined {
  return READS.find(([type]) => command instanceof type)?.[1];
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export interface CognitoReads {
  /** Stands in for the SDK client wherever a core calls `send`. */
  client: CognitoIdentityProviderClient;
  /** The calls actually sent to Cognito, by operation name (cache hits not counted). */
  sent: Map<string, number>;
  /**
   * When Cognito last answered a call sent through this client (Date.now(), success or error), or
   * undefined before any answer. Cognito admitted each of them before this moment, which is what
   * the verification machine paces from.
   */
  readonly lastAnsweredAt: number | undefined;
  /** Settles once every call sent so far has been answered. */
  settled(): Promise<void>;
}

/**
 * Wraps `cognito` for one verification: identical reads share one request (its answer or its
 * error), and anything but a read throws before it is sent.
 */
export function cognitoReadsOnce(cognito: CognitoIdentityProviderClient): CognitoReads {
  const answers = new Map<string, Promise<unknown>>();
  const sent = new Map<string, number>();
  let lastAnsweredAt: number | undefined;
  const answered = () => {
    lastAnsweredAt = Date.now();
  };
  const send = (command: Command): Promise<unknown> => {
    const operation = readOperationOf(command);
    if (!operation) {
      return Promise.reject(
        new Error(
          'a verification only describes the user pool, its app client (and its branding style) and identity provider',
        ),
      );
    }
    const key = `${operation} ${stableJson(command.input)}`;
    let answer = answers.get(key);
    if (!answer) {
      sent.set(operation, (sent.get(operation) ?? 0) + 1);
      answer = cognito.send(command as never);
      answer.then(answered, answered);
      answers.set(key, answer);
    }
    return answer;
  };
  return {
    client: { send } as unknown as CognitoIdentityProviderClient,
    sent,
    settled: async () => {
      await Promise.allSettled(answers.values());
    },
    get lastAnsweredAt() {
      return lastAnsweredAt;
    },
  };
}
