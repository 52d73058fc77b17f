// What a provider refers to: flows (by slug), certificate key pairs and scope mappings. The product
// only looks these up; the emulator still accepts writes, as Authentik does.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import type { FieldErrors } from '../drf-errors.ts';
import { anyOf, exact, type Handler, parseBoolean, type ResourceSpec, viewset } from '../resource.ts';
import { serializeFlow, serializeKeyPair, serializeScopeMapping } from '../serializers.ts';
import type { CertificateKeyPairRecord, FlowRecord, ScopeMappingRecord } from '../store.ts';

export const flows: ResourceSpec<FlowRecord> = {
  operationPrefix: 'flows_instances',
  objectName: 'Flow',
  records: (store) => store.flows,
  find: (store, param) => store.findFlowBySlug(param),
  requestSchema: 'FlowRequest',
  patchSchema: 'PatchedFlowRequest',
  build: (ctx, body) =>
    ({
      pk: ctx.store.newUuid(),
      background: '',
      policy_engine_mode: 'any',
      compatibility_mode: false,
      layout: 'stacked',
      denied_action: 'message_continue',
      authentication: 'none',
      consent: 'none',
      ...body,
    }) as FlowRecord,
  apply: (_ctx, record, body) => ({ ...record, ...body }) as FlowRecord,
  serialize: (_ctx, record) => serializeFlow(record),
  unique: [{ field: 'slug', message: 'Flow with this slug already exists.' }],
  filters: {
    slug: exact((f) => f.slug),
    name: exact((f) => f.name),
    designation: exact((f) => f.designation),
    flow_uuid: exact((f) => f.pk),
    denied_action: exact((f) => f.denied_action),
  },
  search: (f) => [f.name, f.slug],
  ordering: ['slug'],
  remove: (ctx, record) => {
    ctx.store.flows.delete(record.pk);
    for (const b of [...ctx.store.bindings.values()])
      if (b.target === record.pk) ctx.store.bindings.delete(b.pk);
  },
};

export const certificateKeyPairs: ResourceSpec<CertificateKeyPairRecord> = {
  operationPrefix: 'crypto_certificatekeypairs',
  objectName: 'CertificateKeyPair',
  records: (store) => store.certificateKeyPairs,
  find: (store, param) => store.certificateKeyPairs.get(param),
  requestSchema: 'CertificateKeyPairRequest',
  patchSchema: 'PatchedCertificateKeyPairRequest',
  build: (ctx, body) =>
    ({ pk: ctx.store.newUuid(), key_data: '', managed: null, ...body }) as CertificateKeyPairRecord,
  apply: (_ctx, record, body) => ({ ...record, ...body }) as CertificateKeyPairRecord,
  serialize: (_ctx, record) => serializeKeyPair(record),
  unique: [{ field: 'name', message: 'Certificate-Key Pair with this name already exists.' }],
  validateFields: (_ctx, body) => {
    const errors: FieldErrors = {};
    if (typeof body.certificate_data === 'string') {
      try {
        new X509Certificate(body.certificate_data);
      } catch {
        errors.certificate_data = ['Unable to load certificate.'];
      }
    }
    if (typeof body.key_data === 'string' && body.key_data !== '') {
      try {
        createPrivateKey(body.key_data);
      } catch {
        errors.key_data = ['Unable to load private key (possibly encrypted?).'];
      }
    }
    return errors;
  },
  filters: {
    name: exact((k) => k.name),
    managed: exact((k) => k.managed),
    has_key: (k, values) => {
      const wanted = parseBoolean(values[values.length - 1]);
      return wanted === undefined || (k.key_data !== '') === wanted;
    },
    key_type: (k, values) => values.includes(String(serializeKeyPair(k).key_type)),
  },
  search: (k) => [k.name],
  ordering: ['name'],
  remove: (ctx, record) => {
    ctx.store.certificateKeyPairs.delete(record.pk);
    // Providers keep working without the key (SET_NULL): Authentik then signs HS256 with the secret.
    for (const p of ctx.store.providers.values()) {
      if (p.signing_key === record.pk) p.signing_key = null;
      if (p.encryption_key === record.pk) p.encryption_key = null;
    }
  },
};

export const scopeMappings: ResourceSpec<ScopeMappingRecord> = {
  operationPrefix: 'propertymappings_provider_scope',
  objectName: 'ScopeMapping',
  records: (store) => store.scopeMappings,
  find: (store, param) => store.scopeMappings.get(param),
  requestSchema: 'ScopeMappingRequest',
  patchSchema: 'PatchedScopeMappingRequest',
  build: (ctx, body) =>
    ({ pk: ctx.store.newUuid(), managed: null, description: '', ...body }) as ScopeMappingRecord,
  apply: (_ctx, record, body) => ({ ...record, ...body }) as ScopeMappingRecord,
  serialize: (_ctx, record) => serializeScopeMapping(record),
  unique: [
    { field: 'name', message: 'Property Mapping with this name already exists.' },
    { field: 'managed', message: 'Property Mapping with this Managed by authentik already exists.' },
  ],
  filters: {
    managed: anyOf((m) => m.managed),
    managed__isnull: (m, values) => {
      const wanted = parseBoolean(values[values.length - 1]);
      return wanted === undefined || (m.managed === null) === wanted;
    },
    name: exact((m) => m.name),
    scope_name: exact((m) => m.scope_name),
  },
  search: (m) => [m.name, m.scope_name],
  ordering: ['scope_name', 'name'],
  remove: (ctx, record) => {
    ctx.store.scopeMappings.delete(record.pk);
    for (const p of ctx.store.providers.values()) {
      p.property_mappings = p.property_mappings.filter((pk) => pk !== record.pk);
    }
  },
};

export const catalogHandlers: Record<string, Handler> = {
  ...viewset(flows),
  ...viewset(certificateKeyPairs),
  ...viewset(scopeMappings),
};
