import { prepareCreateUserPoolClient, prepareUpdateUserPoolClient } from './app-clients.ts';
import { brandingAnswers } from './branding.ts';
import type { LayerContext } from './context.ts';
import {
  answerUpdateUserPoolDomain,
  completeCreateUserPoolDomain,
  completeDeleteUserPoolDomain,
  completeDescribeUserPoolDomain,
  prepareCreateUserPoolDomain,
} from './domains.ts';
import { prepareCreateIdentityProvider, prepareUpdateIdentityProvider } from './identity-providers.ts';
import { completeDescribeUserPool, prepareDeleteUserPool } from './pools.ts';

// Where the layer steps in, by operation; every other operation passes through to moto untouched.
// Each rule names its AWS source in its own module.

/** Checks a request before moto sees it and returns the request moto should get. */
export type Preparation = (
  input: Record<string, unknown>,
  context: LayerContext,
) => Promise<Record<string, unknown>>;

/** Answers a request in moto's place; undefined hands it on to moto after all. */
export type Answer = (
  input: Record<string, unknown>,
  context: LayerContext,
) => Promise<Record<string, unknown> | undefined>;

/** Sees moto's successful answer: records what moto does not keep, and answers as Cognito does. */
export type Completion = (
  input: Record<string, unknown>,
  output: Record<string, unknown>,
  context: LayerContext,
) => Record<string, unknown>;

export const preparations: Readonly<Record<string, Preparation>> = {
  CreateIdentityProvider: prepareCreateIdentityProvider,
  UpdateIdentityProvider: prepareUpdateIdentityProvider,
  CreateUserPoolClient: prepareCreateUserPoolClient,
  UpdateUserPoolClient: prepareUpdateUserPoolClient,
  CreateUserPoolDomain: prepareCreateUserPoolDomain,
  DeleteUserPool: prepareDeleteUserPool,
};

export const answers: Readonly<Record<string, Answer>> = {
  ...brandingAnswers,
  UpdateUserPoolDomain: answerUpdateUserPoolDomain,
};

export const completions: Readonly<Record<string, Completion>> = {
  CreateUserPoolDomain: completeCreateUserPoolDomain,
  DescribeUserPoolDomain: completeDescribeUserPoolDomain,
  DeleteUserPoolDomain: completeDeleteUserPoolDomain,
  DescribeUserPool: (_, output) => completeDescribeUserPool(output),
};
