// `node --import ./test/support/trace-modules.mjs …` writes every module URL the process resolves to
// the file FEDERATION_TRACE_MODULES names: how a test sees which modules a command loaded.
import { register } from 'node:module';

register('./trace-modules-hooks.mjs', import.meta.url);
