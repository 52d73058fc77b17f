import 'aws-sdk-client-mock-vitest/extend';
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  ExecutionLimitExceeded,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { TransientError } from '#lib/errors.ts';
import type { TenantRecord } from '#lib/registry.ts';
import { stepFunctionsStarter } from '../../functions/api/sfn-starter.ts';
import { VerificationUnavailableError } from '../../functions/api/starter.ts';

const sfn = mockClient(SFNClient);
const client = new SFNClient({ region: 'eu-west-1' });
const PROVISION = 'arn:aws:states:eu-west-1:123456789012:stateMachine:provision-tenant';
const DEPROVISION = 'arn:aws:states:eu-west-1:123456789012:stateMachine:deprovision-tenant';
const VERIFY = 'arn:aws:states:eu-west-1:123456789012:stateMachine:verify-federations';
const execution = (machine: string, name: string) =>
  `${machine.replace(':stateMachine:', ':execution:')}:${name}`;
const started = new Date('2025-03-01T10:00:00Z');

beforeEach(() => {
  sfn.reset();
});

describe('describeExecution', () => {
  it('tells what became of the execution a tenant’s lock names, and nothing of one that never started', async () => {
    const arn = execution(PROVISION, 'acme_provision_k_1');
    sfn
      .on(DescribeExecutionCommand, { executionArn: arn })
      .resolves({ name: 'acme_provision_k_1', status: 'ABORTED', startDate: started });
    sfn
      .on(DescribeExecutionCommand, { executionArn: execution(PROVISION, 'acme_provision_k_2') })
      .rejects(new ExecutionDoesNotExist({ message: 'does not exist', $metadata: {} }));
    const starter = stepFunctionsStarter(client, { provision: PROVISION, deprovision: DEPROVISION });
    expect(starter.executionArnOf('provision', 'acme_provision_k_1')).toBe(arn);
    expect(await starter.describeExecution(arn)).toEqual({
      executionArn: arn,
      name: 'acme_provision_k_1',
      startDate: started.toISOString(),
      status: 'ABORTED',
    });
    expect(await starter.describeExecution(execution(PROVISION, 'acme_provision_k_2'))).toBeUndefined();
  });

  it('turns throttling into a TransientError', async () => {
    sfn
      .on(DescribeExecutionCommand)
      .rejects(Object.assign(new Error('slow down'), { name: 'ThrottlingException' }));
    const starter = stepFunctionsStarter(client, { provision: PROVISION, deprovision: DEPROVISION });
    await expect(
      starter.describeExecution(execution(PROVISION, 'acme_provision_k_1')),
    ).rejects.toBeInstanceOf(TransientError);
  });
});

describe('startExecution', () => {
  it('starts with the canonical JSON of the input', async () => {
    sfn
      .on(StartExecutionCommand)
      .resolves({ executionArn: execution(PROVISION, 'acme_provision_k_1'), startDate: started });
    const starter = stepFunctionsStarter(client, { provision: PROVISION, deprovision: DEPROVISION });
    const result = await starter.startExecution('provision', 'acme_provision_k_1', {
      b: 1,
      a: { d: 2, c: 3 },
    });
    expect(result).toEqual({
      executionArn: execution(PROVISION, 'acme_provision_k_1'),
      name: 'acme_provision_k_1',
      startDate: started.toISOString(),
    });
    expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, {
      stateMachineArn: PROVISION,
      name: 'acme_provision_k_1',
      input: '{"a":{"c":3,"d":2},"b":1}',
    });
  });

  it('describes the execution that holds the name when Step Functions says it exists', async () => {
    sfn.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'exists', $metadata: {} }));
    sfn.on(DescribeExecutionCommand).resolves({ status: 'SUCCEEDED', startDate: started });
    const starter = stepFunctionsStarter(client, { provision: PROVISION, deprovision: DEPROVISION });
    const result = await starter.startExecution('deprovision', 'acme_deprovision_v3_1', { tenantId: 'acme' });
    expect(result).toEqual({
      executionArn: execution(DEPROVISION, 'acme_deprovision_v3_1'),
      name: 'acme_deprovision_v3_1',
      startDate: started.toISOString(),
      existingStatus: 'SUCCEEDED',
    });
    expect(sfn).toHaveReceivedCommandWith(DescribeExecutionCommand, {
      executionArn: execution(DEPROVISION, 'acme_deprovision_v3_1'),
    });
  });

  it('turns throttling into a TransientError', async () => {
    // Throttling is a generic AWS error: the SDK reports it by name.
    const throttled = Object.assign(new Error('Rate exceeded'), {
      name: 'ThrottlingException',
      $metadata: { httpStatusCode: 400 },
    });
    sfn
      .on(StartExecutionCommand)
      .rejectsOnce(throttled)
      .rejectsOnce(new ExecutionLimitExceeded({ message: 'limit', $metadata: {} }));
    const starter = stepFunctionsStarter(client, { provision: PROVISION, deprovision: DEPROVISION });
    await expect(starter.startExecution('provision', 'acme_provision_k_1', {})).rejects.toBeInstanceOf(
      TransientError,
    );
    await expect(starter.startExecution('provision', 'acme_provision_k_1', {})).rejects.toBeInstanceOf(
      TransientError,
    );
  });
});

describe('describeRunning', () => {
  it('finds the tenant’s running execution by its name, never another tenant’s with the same prefix', async () => {
    sfn
      .on(ListExecutionsCommand, { stateMachineArn: PROVISION })
      .resolvesOnce({
        executions: [
          {
            executionArn: execution(PROVISION, 'acme-eu_provision_k_1'),
            stateMachineArn: PROVISION,
            name: 'acme-eu_provision_k_1',
            status: 'RUNNING',
            startDate: started,
          },
        ],
        nextToken: 'page-2',
      })
      .resolvesOnce({ executions: [] });
    sfn.on(ListExecutionsCommand, { stateMachineArn: DEPROVISION }).resolves({
      executions: [
        {
          executionArn: execution(DEPROVISION, 'acme_deprovision_v3_1'),
          stateMachineArn: DEPROVISION,
          name: 'acme_deprovision_v3_1',
          status: 'RUNNING',
          startDate: started,
        },
      ],
    });
    const starter = stepFunctionsStarter(client, { provision: PROVISION, deprovision: DEPROVISION });
    expect(await starter.describeRunning('acme')).toEqual({
      kind: 'deprovision',
      executionArn: execution(DEPROVISION, 'acme_deprovision_v3_1'),
      name: 'acme_deprovision_v3_1',
      startDate: started.toISOString(),
    });
    expect(sfn).toHaveReceivedCommandWith(ListExecutionsCommand, {
      stateMachineArn: PROVISION,
      nextToken: 'page-2',
    });
    expect(sfn).toHaveReceivedCommandWith(ListExecutionsCommand, { statusFilter: 'RUNNING' });
  });

  it('finds an execution started from the console through the registry’s record of it', async () => {
    sfn.on(ListExecutionsCommand).resolves({ executions: [] });
    const consoleArn = execution(PROVISION, 'operator-chose-this');
    sfn.on(DescribeExecutionCommand).resolves({
      executionArn: consoleArn,
      stateMachineArn: PROVISION,
      name: 'operator-chose-this',
      status: 'RUNNING',
      startDate: started,
    });
    const starter = stepFunctionsStarter(client, { provision: PROVISION, deprovision: DEPROVISION });
    const running = await starter.describeRunning('acme', {
      kind: 'provision',
      name: consoleArn,
      startedAt: started.toISOString(),
    });
    expect(running).toMatchObject({ kind: 'provision', name: 'operator-chose-this' });

    sfn.on(DescribeExecutionCommand).resolves({ stateMachineArn: PROVISION, status: 'SUCCEEDED' });
    expect(
      await starter.describeRunning('acme', { kind: 'provision', name: consoleArn, startedAt: '' }),
    ).toBeUndefined();
  });
});

describe('verify', () => {
  const record = { tenantId: 'acme' } as TenantRecord;

  it('is unavailable without a verification machine', async () => {
    const starter = stepFunctionsStarter(client, { provision: PROVISION, deprovision: DEPROVISION });
    await expect(starter.verify(record)).rejects.toBeInstanceOf(VerificationUnavailableError);
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
  });

  it('starts the verification machine for the tenant', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: execution(VERIFY, 'x'), startDate: started });
    const starter = stepFunctionsStarter(client, {
      provision: PROVISION,
      deprovision: DEPROVISION,
      verify: VERIFY,
    });
    await starter.verify(record);
    expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, {
      stateMachineArn: VERIFY,
      input: '{"tenantId":"acme"}',
      name: expect.stringMatching(/^acme_verify_t[0-9a-z]+_1$/),
    });
  });
});
