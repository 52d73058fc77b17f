// The emulator's answers in one release's models (contract.ts reads the models). The store and the
// serializers speak the newest schema; an older release's answer differs in three ways, each read
// off that release's own @goauthentik/api package (the diff of its models against 2026.8's):
// - fields it does not have are left out (DRF serializes only a serializer's declared fields);
// - renamed fields carry their old name: a group's list `parents` was the single `parent` before
//   2026.2 (GroupRequest and Group of @goauthentik/api 2025.10 and 2026.2); a key pair's `key_type`
//   was `private_key_type` before 2026.2 (CertificateKeyPair);
// - fields only it has are added, from what they were computed from in that release's serializer:
//   `parent_name` of Group, UserGroup and PartialGroup before 2026.2 (`CharField(source="parent.name",
//   allow_null=True)` in authentik/core/api/groups.py and authentik/core/api/users.py).
// The shaped answer is then checked against the release's model (every required field present, no
// field the model lacks): an answer that breaks it is a contract violation, as a request is.
import { type Contract, GROUP_MODELS, groupToRelease, type JsonObject, type Model } from './contract.ts';

/** What the answers need from the store that the newest model no longer carries. */
export interface AnswerLookups {
  /** A group's name and parents, by pk. */
  group(pk: string): { name: string; parents: string[] } | undefined;
  /** Whether a key pair holds a private key, by pk. */
  keyPairHasKey(pk: string): boolean;
}

// A group's single parent, before 2026.2: where it is not in the answer (a PartialGroup of 2026.8
// has no parents), the store's first parent.
function addParent(object: JsonObject, model: Model, lookups: AnswerLookups | undefined): JsonObject {
  if (!model.fields.includes('parent_name') || 'parent_name' in object) return object;
  const own = typeof object.pk === 'string' ? lookups?.group(object.pk) : undefined;
  const parent = 'parent' in object ? object.parent : (own?.parents[0] ?? null);
  const parentName = typeof parent === 'string' ? (lookups?.group(parent)?.name ?? null) : null;
  return { ...object, parent, parent_name: parentName };
}

// `private_key_type` (before 2026.2): the private key's class name, lowercased, without
// "privatekey" (get_private_key_type in authentik/crypto/api.py), null without a private key;
// 2026.8's `key_type` names the same key ("ec" for the class EllipticCurvePrivateKey).
const PRIVATE_KEY_TYPE: Record<string, string> = { ec: 'ellipticcurve' };

function addPrivateKeyType(object: JsonObject, model: Model, lookups: AnswerLookups | undefined): JsonObject {
  if (!model.fields.includes('private_key_type') || !('key_type' in object)) return object;
  const hasKey = typeof object.pk === 'string' && lookups?.keyPairHasKey(object.pk) === true;
  const type = typeof object.key_type === 'string' ? object.key_type : null;
  return { ...object, private_key_type: hasKey && type ? (PRIVATE_KEY_TYPE[type] ?? type) : null };
}

/** An answer shaped like the newest schema, in the release's model: its renames, and only its fields. */
export function shapeResponse(
  contract: Contract,
  schemaName: string,
  body: unknown,
  lookups?: AnswerLookups,
): unknown {
  const walk = (name: string, value: unknown): unknown => {
    const model = contract.models[name];
    if (!model || value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.map((item) => walk(name, item));
    let object = value as JsonObject;
    if (GROUP_MODELS.has(name)) object = groupToRelease(object, model);
    object = addPrivateKeyType(addParent(object, model, lookups), model, lookups);
    const out: JsonObject = {};
    for (const [field, inner] of Object.entries(object)) {
      if (!model.fields.includes(field)) continue;
      const ref = model.refs[field];
      out[field] = ref ? walk(ref, inner) : inner;
    }
    return out;
  };
  return walk(schemaName, body);
}

/** What in an answer breaks the release's model: a required field missing, a field it does not have. */
export function checkAnswer(contract: Contract, schemaName: string, body: unknown): string[] {
  const violations: string[] = [];
  const walk = (name: string, value: unknown, path: string): void => {
    const model = contract.models[name];
    if (!model || value === null || typeof value !== 'object') return;
    if (Array.isArray(value)) {
      for (const [i, item] of value.entries()) walk(name, item, `${path}[${i}]`);
      return;
    }
    const object = value as JsonObject;
    const at = (field: string) => (path === '' ? field : `${path}.${field}`);
    for (const field of model.required) {
      if (!(field in object))
        violations.push(`answer's ${at(field)} is required by ${contract.release}'s ${name}`);
    }
    for (const [field, inner] of Object.entries(object)) {
      if (!model.fields.includes(field)) {
        violations.push(`answer's ${at(field)} is not a field of ${contract.release}'s ${name}`);
        continue;
      }
      const ref = model.refs[field];
      if (ref) walk(ref, inner, at(field));
    }
  };
  walk(schemaName, body, '');
  return violations;
}
