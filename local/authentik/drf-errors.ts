// Authentik answers bad input the way Django REST framework does: 400 with a body that maps each
// field to its messages (`{"name": ["This field is required."]}`), nested serializers as nested
// objects, lists of nested objects as lists aligned with the input, and `non_field_errors` for
// checks that span fields. This module turns ajv's schema errors into that shape, with DRF's wording.
import type { ErrorObject } from 'ajv';

export type FieldErrors = { [field: string]: FieldErrorValue };
export type FieldErrorValue = string[] | FieldErrors | FieldErrors[];

/** Python's name for a JSON value's type, as DRF prints it. */
export function pythonType(value: unknown): string {
  if (value === null) return 'NoneType';
  if (Array.isArray(value)) return 'list';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  if (typeof value === 'string') return 'str';
  return 'dict';
}

const FORMAT_MESSAGES: Record<string, string> = {
  uuid: 'Must be a valid UUID.',
  email: 'Enter a valid email address.',
  uri: 'Enter a valid URL.',
  'date-time':
    'Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].',
};

function message(error: ErrorObject): string | undefined {
  const params = error.params as Record<string, unknown>;
  const data = error.data;
  switch (error.keyword) {
    case 'required':
      return 'This field is required.';
    case 'type': {
      if (params.type === 'null') return undefined; // the null branch of a nullable field
      if (data === null) return 'This field may not be null.';
      switch (params.type) {
        case 'string':
          return 'Not a valid string.';
        case 'integer':
          return 'A valid integer is required.';
        case 'number':
          return 'A valid number is required.';
        case 'boolean':
          return 'Must be a valid boolean.';
        case 'array':
          return `Expected a list of items but got type "${pythonType(data)}".`;
        default:
          return `Invalid data. Expected a dictionary, but got ${pythonType(data)}.`;
      }
    }
    case 'minLength':
      return data === ''
        ? 'This field may not be blank.'
        : `Ensure this field has at least ${String(params.limit)} characters.`;
    case 'maxLength':
      return `Ensure this field has no more than ${String(params.limit)} characters.`;
    case 'enum':
      return `"${String(data)}" is not a valid choice.`;
    case 'format':
      return FORMAT_MESSAGES[String(params.format)] ?? 'Enter a valid value.';
    case 'pattern':
      return String(params.pattern) === '^[-a-zA-Z0-9_]+$'
        ? 'Enter a valid “slug” consisting of letters, numbers, underscores or hyphens.'
        : 'This value does not match the required pattern.';
    case 'minimum':
      return `Ensure this value is greater than or equal to ${String(params.limit)}.`;
    case 'maximum':
      return `Ensure this value is less than or equal to ${String(params.limit)}.`;
    case 'anyOf':
    case 'allOf':
    case 'if':
      return undefined; // the branch errors say what is wrong
    default:
      return error.message ?? 'Invalid value.';
  }
}

/** Adds one message at a path of field names and list indexes, building DRF's nested shape. */
export function addFieldError(
  errors: FieldErrors,
  path: (string | number)[],
  text: string,
  body: unknown,
): void {
  const [head, ...rest] = path;
  if (head === undefined) {
    push(errors, 'non_field_errors', text);
    return;
  }
  const field = String(head);
  const value = isObject(body) ? body[field] : undefined;
  const [index, ...after] = rest;
  if (typeof index === 'number' && Array.isArray(value) && isObject(value[index]) && after.length > 0) {
    // A list of nested objects: a list of per-item error objects, `{}` for the items that are fine.
    const existing = errors[field];
    const list: FieldErrors[] =
      Array.isArray(existing) && existing.every((e) => typeof e === 'object')
        ? (existing as FieldErrors[])
        : value.map(() => ({}));
    const item = list[index] ?? {};
    list[index] = item;
    addFieldError(item, after, text, value[index]);
    errors[field] = list;
    return;
  }
  if (typeof index === 'string' && isObject(value) && rest.length > 0) {
    const nested =
      isObject(errors[field]) && !Array.isArray(errors[field]) ? (errors[field] as FieldErrors) : {};
    addFieldError(nested, rest, text, value);
    errors[field] = nested;
    return;
  }
  // Scalars, and lists of scalars (related fields with many=True): one flat list of messages.
  push(errors, field, text);
}

function push(errors: FieldErrors, field: string, text: string): void {
  const existing = errors[field];
  if (Array.isArray(existing) && existing.every((e) => typeof e === 'string')) {
    if (!(existing as string[]).includes(text)) (existing as string[]).push(text);
    return;
  }
  errors[field] = [text];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function pathOf(error: ErrorObject): (string | number)[] {
  const segments = error.instancePath === '' ? [] : error.instancePath.slice(1).split('/');
  const path: (string | number)[] = segments.map((s) => {
    const unescaped = s.replace(/~1/g, '/').replace(/~0/g, '~');
    return /^\d+$/.test(unescaped) ? Number(unescaped) : unescaped;
  });
  if (error.keyword === 'required')
    path.push(String((error.params as { missingProperty: string }).missingProperty));
  return path;
}

/** DRF field errors for ajv's errors on a request body. */
export function drfErrors(errors: readonly ErrorObject[], body: unknown): FieldErrors {
  const out: FieldErrors = {};
  for (const error of errors) {
    const text = message(error);
    if (text === undefined) continue;
    const path = pathOf(error);
    // A non-object where the schema expects one is reported on the body as a whole.
    if (path.length === 0 && error.keyword === 'type') {
      push(out, 'non_field_errors', `Invalid data. Expected a dictionary, but got ${pythonType(body)}.`);
      continue;
    }
    addFieldError(out, path, text, body);
  }
  return out;
}

export function hasErrors(errors: FieldErrors): boolean {
  return Object.keys(errors).length > 0;
}
