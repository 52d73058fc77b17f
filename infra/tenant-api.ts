// The tenant API on API Gateway (REST): every route of functions/api/routes.ts, each with IAM
// authorization (SigV4), all proxied to the API Lambda. Request bodies are checked against the
// tenant spec's JSON Schema before the Lambda runs; the Lambda checks again with the zod schema
// (the rules that are code, not schema: the SSRF boundary, cross-field rules).

import {
  AccessLogFormat,
  AuthorizationType,
  EndpointType,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  Model,
  RequestValidator,
  type Resource,
  ResponseType,
  RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface ApiRoute {
  readonly method: string;
  /** `/tenants/{tenantId}/verify` */
  readonly path: string;
  readonly operation: string;
}

/**
 * How the API's access logs meet their prerequisite. API Gateway writes access logs (and execution
 * logs) through one IAM role per account and region, the account setting `cloudWatchRoleArn`
 * (AWS::ApiGateway::Account); a stage with access logging fails to create while the setting is
 * empty, which it is on a fresh account. AWS: API Gateway Developer Guide, "Set up CloudWatch
 * logging for REST APIs in API Gateway" (permissions for CloudWatch logging,
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html); CloudFormation
 * User Guide, "AWS::ApiGateway::Account" (one per region per account; deleting the stack leaves the
 * setting in place, https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-apigateway-account.html).
 *
 * - `stack-role`: the stack makes a role with AmazonAPIGatewayPushToCloudWatchLogs and sets it as
 *   the account's. On an account that already has a role, the setting now names this one (which may
 *   do the same), for every REST API in the region. Role and setting are retained on `cdk destroy`,
 *   so the other APIs keep logging.
 * - `account-role`: the account already has the setting; the stack leaves it alone.
 * - `off`: no access logs, and nothing asked of the account.
 */
export const API_ACCESS_LOGS = ['stack-role', 'account-role', 'off'] as const;
export type ApiAccessLogs = (typeof API_ACCESS_LOGS)[number];

export interface TenantApiProps {
  readonly routes: readonly ApiRoute[];
  readonly handler: IFunction;
  /** draft-04 JSON Schemas of request bodies, by operation; other operations take no body. */
  readonly bodySchemas: Readonly<Record<string, Record<string, unknown>>>;
  readonly logRetention: RetentionDays;
  readonly accessLogs: ApiAccessLogs;
  readonly rateLimit: number;
  readonly burstLimit: number;
}

export const API_STAGE = 'v1';

export class TenantApi extends Construct {
  readonly api: RestApi;
  readonly accessLogs: LogGroup | undefined;

  constructor(scope: Construct, id: string, props: TenantApiProps) {
    super(scope, id);
    this.accessLogs =
      props.accessLogs === 'off'
        ? undefined
        : new LogGroup(this, 'AccessLogs', { retention: props.logRetention });
    this.api = new RestApi(this, 'Api', {
      description: 'Tenant API: provision, inspect, verify and deprovision Authentik-Cognito federations',
      endpointTypes: [EndpointType.REGIONAL],
      // The account's logging role (API_ACCESS_LOGS above). CDK's role and setting are retained by
      // default, which is what an account-wide setting needs: other APIs keep using it after destroy.
      cloudWatchRole: props.accessLogs === 'stack-role',
      defaultMethodOptions: { authorizationType: AuthorizationType.IAM },
      deployOptions: {
        stageName: API_STAGE,
        ...(this.accessLogs
          ? {
              accessLogDestination: new LogGroupLogDestination(this.accessLogs),
              accessLogFormat: AccessLogFormat.jsonWithStandardFields({
                caller: true,
                httpMethod: true,
                ip: true,
                protocol: true,
                requestTime: true,
                resourcePath: true,
                responseLength: true,
                status: true,
                user: true,
              }),
            }
          : {}),
        loggingLevel: MethodLoggingLevel.OFF,
        // Request and response bodies (which may carry an Authentik token) are never logged.
        dataTraceEnabled: false,
        metricsEnabled: true,
        tracingEnabled: true,
        throttlingRateLimit: props.rateLimit,
        throttlingBurstLimit: props.burstLimit,
      },
    });

    // The stage needs the setting when it is created; CDK orders the setting after the API only.
    const account = this.api.node.tryFindChild('Account');
    if (account) this.api.deploymentStage.node.addDependency(account);

    // The gateway's own refusals in the API's error shape ({ error, fields }), so a caller parses one
    // format. The gateway's detailed validation text is left out: it is not guaranteed to be JSON-safe.
    this.api.addGatewayResponse('BadRequestBody', {
      type: ResponseType.BAD_REQUEST_BODY,
      statusCode: '400',
      templates: {
        'application/json':
          '{"error":$context.error.messageString,"fields":{"body":["does not match the JSON Schema of this request (see openapi.yaml)"]}}',
      },
    });

    const validator = new RequestValidator(this, 'BodyValidator', {
      restApi: this.api,
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    const integration = new LambdaIntegration(props.handler, { proxy: true, allowTestInvoke: false });

    for (const route of props.routes) {
      const schema = props.bodySchemas[route.operation];
      const model = schema
        ? new Model(this, `${route.operation}Body`, {
            restApi: this.api,
            contentType: 'application/json',
            description: `Request body of ${route.operation}`,
            schema: {},
          })
        : undefined;
      if (model && schema) {
        // The schema goes in as written (draft-04 JSON): CDK's JsonSchema type would rename keys.
        (model.node.defaultChild as { schema?: unknown }).schema = schema;
      }
      this.resourceFor(route.path).addMethod(route.method, integration, {
        operationName: route.operation,
        authorizationType: AuthorizationType.IAM,
        requestValidator: validator,
        ...(model ? { requestModels: { 'application/json': model } } : {}),
        ...(route.path.includes('{tenantId}')
          ? { requestParameters: { 'method.request.path.tenantId': true } }
          : {}),
      });
    }
  }

  private resourceFor(path: string): Resource {
    let resource = this.api.root as Resource;
    for (const part of path.split('/').filter((p) => p !== '')) {
      resource = (resource.getResource(part) as Resource | undefined) ?? resource.addResource(part);
    }
    return resource;
  }
}
