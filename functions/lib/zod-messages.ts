// zod/mini registers no messages of its own: without a locale every default message reads "Invalid
// input". The classic API registers English when its first schema is built; this does the same for
// the Lambda code (which uses zod/mini), so default messages such as "Invalid input: expected string,
// received undefined" stay what callers and tests see. A locale configured earlier is kept.

import { en } from 'zod/locales';
import { config } from 'zod/mini';

if (config().localeError === undefined) config(en());
