// One walk over an ASL definition's states, nested ones included (a Map's ItemProcessor or Iterator,
// a Parallel's Branches), for the two readers of the *.asl.json files beside it: the local runner
// (local/runner.ts) and the CDK app (infra/state-machines.ts). It sits here, next to what it walks,
// so both may import it without either reaching into the other; no Lambda imports it, so no bundle
// carries it.

/** A definition, or a Map's or Parallel's nested one: states by name. */
export interface AslStates {
  States?: Record<string, AslState>;
}

/** The fields of a state its readers look at. */
export interface AslState {
  Type?: string;
  Resource?: string;
  Parameters?: Record<string, unknown>;
  Retry?: unknown[];
  TimeoutSeconds?: number;
  TimeoutSecondsPath?: string;
  ItemProcessor?: AslStates;
  Iterator?: AslStates;
  Branches?: AslStates[];
}

/**
 * Every state with its name, each followed by those nested in it, in the order the file lists them.
 * The states are the definition's own objects, not copies: the local runner rewrites their Resource.
 */
export function statesOf(definition: AslStates): [string, AslState][] {
  const found: [string, AslState][] = [];
  for (const [name, state] of Object.entries(definition.States ?? {})) {
    found.push([name, state]);
    // A valid state has one kind of nesting at most (Map or Parallel), so this order never decides.
    for (const inner of [state.ItemProcessor, state.Iterator, ...(state.Branches ?? [])]) {
      if (inner) found.push(...statesOf(inner));
    }
  }
  return found;
}
