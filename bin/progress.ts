// Turns the execution's event stream into one line per step as it ends: the step, its outcome, how
// long it took and how often it was retried. Used by the CLI and `npm start`.
import type { EventLog } from '../local/runner.ts';

export interface StepProgress {
  state: string;
  outcome: string;
  durationMs: number;
  retries: number;
}

interface Outcomes {
  outcomes?: Record<string, { outcome?: string }>;
  /** Set by the registry's last state: the tenant's status. */
  status?: string;
}

/** Keeps the state of an execution's steps; feed it every event, it reports each finished step. */
export function createProgressTracker(
  onStep: (step: StepProgress) => void,
  onStart?: (state: string) => void,
) {
  const started = new Map<string, number>();
  const retries = new Map<string, number>();
  return (event: EventLog) => {
    const stateEvent = event as EventLog & { state?: { name: string; type: string; output?: unknown } };
    const state = stateEvent.state;
    if (state?.type !== 'Task') return;
    switch (event.type) {
      case 'StateEntered':
        started.set(state.name, event.timestamp);
        onStart?.(state.name);
        break;
      case 'StateRetried':
        retries.set(state.name, (retries.get(state.name) ?? 0) + 1);
        break;
      case 'StateExited':
      case 'StateFailed':
      case 'StateCaught': {
        const output = state.output as Outcomes | undefined;
        const last = output?.outcomes ? Object.values(output.outcomes).at(-1) : undefined;
        const failed = event.type !== 'StateExited';
        onStep({
          state: state.name,
          outcome: failed
            ? `failed: ${(event as { Error?: string }).Error ?? 'error'}`
            : (last?.outcome ?? 'done'),
          durationMs: event.timestamp - (started.get(state.name) ?? event.timestamp),
          retries: retries.get(state.name) ?? 0,
        });
        break;
      }
    }
  };
}

export function formatStep(step: StepProgress): string {
  const retries = step.retries === 0 ? '' : `, ${step.retries} ${step.retries === 1 ? 'retry' : 'retries'}`;
  return `  ${step.state.padEnd(26)} ${step.outcome.padEnd(12)} ${String(step.durationMs).padStart(5)} ms${retries}`;
}
