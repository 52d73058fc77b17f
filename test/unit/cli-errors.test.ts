// How a failed command reads: the forms an error reaches the CLI in (our own errors, a Lambda's
// `{"errorType","errorMessage"}` cause, a failed execution's sentence, the API's answer) all become
// one paragraph naming each bad field and what to do, and one JSON document for --json.
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../bin/api-client.ts';
import { errorDocument, errorFacts, errorParagraph } from '../../bin/errors.ts';
import { UsageError } from '../../bin/output.ts';
import { ValidationError } from '../../functions/lib/errors.ts';

const paragraph = (error: unknown) => errorParagraph('provision', errorFacts(error));

describe('errors a person can act on', () => {
  it("a Lambda's cause becomes fields, never the serialized object", () => {
    const cause = JSON.stringify({
      errorType: 'ValidationError',
      errorMessage:
        'invalid tenant spec: authentik.baseUrl: must use https; host 10.0.0.1 is a private address, which is refused | cognito.callbackUrls.0: must use https',
    });
    const facts = errorFacts(new Error(cause));
    expect(facts).toMatchObject({ name: 'ValidationError', exitCode: 1 });
    expect(facts.fields).toEqual({
      'authentik.baseUrl': ['must use https', 'host 10.0.0.1 is a private address, which is refused'],
      'cognito.callbackUrls.0': ['must use https'],
    });
    const text = paragraph(new Error(cause));
    expect(text).toBe(
      'federation provision failed: Invalid tenant spec. 2 fields are wrong. authentik.baseUrl: must use ' +
        'https; host 10.0.0.1 is a private address, which is refused. cognito.callbackUrls.0: must use ' +
        'https. Correct these fields and run the command again.',
    );
    expect(text).not.toMatch(/[{}"]/);
  });

  it("a failed execution's sentence keeps its context and gets the advice of its error", () => {
    const error = new Error(
      'Provision of tenant acme failed at validate-tenant: ConflictError: preflight failed: the group belongs to tenant beta',
    );
    expect(errorFacts(error)).toMatchObject({
      name: 'ConflictError',
      message:
        'Provision of tenant acme failed at validate-tenant: preflight failed: the group belongs to tenant beta',
    });
    expect(paragraph(error)).toContain('Nothing was changed; follow the way out the message names');
  });

  it('our own ValidationError keeps its fields', () => {
    const error = new ValidationError('invalid tenant spec: x', { tenantId: ['must be lower case'] });
    expect(paragraph(error)).toBe(
      'federation provision failed: Invalid tenant spec. One field is wrong. tenantId: must be lower case. ' +
        'Correct these fields and run the command again.',
    );
  });

  it("the API's refusals say what to do by status", () => {
    expect(paragraph(new ApiError(403, '403 forbidden'))).toContain('execute-api:Invoke');
    expect(paragraph(new ApiError(503, '503 busy'))).toContain('run the command again in a moment');
    const bad = new ApiError(400, '400 invalid request (spec.tenantId: bad)', { 'spec.tenantId': ['bad'] });
    expect(errorDocument(errorFacts(bad))).toEqual({
      error: '400 invalid request',
      errorName: 'ApiError',
      fields: { 'spec.tenantId': ['bad'] },
      status: 400,
      advice: 'Correct these fields and run the command again.',
      exitCode: 1,
    });
  });

  it('a usage error exits 2; an unknown failure 1, with a way forward', () => {
    expect(errorFacts(new UsageError('provision needs a spec file.')).exitCode).toBe(2);
    const facts = errorFacts(new Error('socket hang up'));
    expect(facts).toMatchObject({
      exitCode: 1,
      advice: 'Run the command again; if it fails the same way, report it.',
    });
  });
});
