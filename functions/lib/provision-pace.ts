// How many tenants a batch provisions at once. Provisioning writes and reads Cognito in bursts (a
// step reads what it converges, then creates or updates it), and Cognito admits 15 requests a
// second per category in the account (20 for UserPoolResourceRead), 5 per pool and operation:
// https://docs.aws.amazon.com/cognito/latest/developerguide/limits.html, "API request rate quotas".
// Four provisionings side by side keep the account's categories near their quotas in the local
// world's strict layer; a burst one provisioning makes on its own pool can still be throttled, and
// each step sends it again with backoff (test/workflow/provision-batch.test.ts checks that every
// throttled request went through in the end). More at once would only wait on throttling, so
// a batch goes no faster for it. Both the CLI (`federation provision <dir|file.ndjson>`) and the API's batch
// (`POST /tenants`, at most this many a request) hold to it.
export const PROVISIONINGS_AT_ONCE = 4;
