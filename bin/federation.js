#!/usr/bin/env node
// Entry of `npx federation`: registers tsx so the TypeScript sources run as they are.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./federation.ts');
process.exitCode = await main(process.argv.slice(2));
