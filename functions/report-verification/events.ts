// One event per tenant whose state changed, on an EventBridge bus: `Federation Verified`,
// `Federation Drift Detected`, `Federation Broken`. Delivery is behind a sink so the local world
// (which has no EventBridge) can collect the same events in memory.
import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { THROTTLING_EXCEPTION, transientTest } from '#lib/aws-errors.ts';
import { TransientError } from '#lib/errors.ts';

export interface FederationEvent {
  detailType: string;
  /** JSON-able; ids, states and reason codes only, never a secret. */
  detail: Record<string, unknown>;
}

export interface FederationEventSink {
  put(events: readonly FederationEvent[]): Promise<void>;
}

/** PutEvents takes at most 10 entries a call. */
const BATCH = 10;
const ATTEMPTS = 3;

export function eventBridgeSink(
  client: Pick<EventBridgeClient, 'send'>,
  options: { busName: string; source: string },
): FederationEventSink {
  return {
    async put(events) {
      for (let start = 0; start < events.length; start += BATCH) {
        let pending = events.slice(start, start + BATCH);
        for (let attempt = 1; pending.length > 0; attempt += 1) {
          const answer = await send(
            client,
            new PutEventsCommand({
              Entries: pending.map((event) => ({
                EventBusName: options.busName,
                Source: options.source,
                DetailType: event.detailType,
                Detail: JSON.stringify(event.detail),
              })),
            }),
          );
          // Entries fail one by one (throttling, an internal error); resend only those.
          pending = pending.filter((_, i) => answer.Entries?.[i]?.ErrorCode);
          if (pending.length > 0 && attempt >= ATTEMPTS) {
            throw new TransientError(`EventBridge refused ${pending.length} of the verification's events`);
          }
        }
      }
    },
  };
}

// EventBridge's own server error, InternalException
// (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html#API_PutEvents_Errors).
// ServiceUnavailableException is in no EventBridge reference (unavailability is a 503 anyway); it is
// kept so what is retried stays as it was. The common throttling and 429 count too; the SDK's
// timeouts and broken connections do not.
const isTransient = transientTest({
  names: [THROTTLING_EXCEPTION, 'InternalException', 'ServiceUnavailableException'],
  tooManyRequests: true,
  networkCodes: false,
});

/** PutEvents, its throttling and server errors as TransientError (the state machine retries those). */
async function send(client: Pick<EventBridgeClient, 'send'>, command: PutEventsCommand) {
  try {
    return await client.send(command);
  } catch (error) {
    if (isTransient(error)) {
      throw new TransientError(`EventBridge PutEvents: ${String((error as { name?: unknown })?.name)}`);
    }
    throw error;
  }
}

/** Keeps the events it is given, in order: the local world's bus. */
export function memoryEventSink(): FederationEventSink & { events: FederationEvent[] } {
  const events: FederationEvent[] = [];
  return {
    events,
    async put(batch) {
      events.push(...batch);
    },
  };
}
