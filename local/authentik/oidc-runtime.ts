// oidc-provider warns when it is imported on a Node.js older than 22 LTS ("Unsupported runtime").
// The emulator runs on Node.js 20 knowingly (the product's Lambdas run 22, and the local world
// supports 20), so the warning tells a user of the CLI or `npm start` nothing they can act on. This
// module is imported before oidc-provider and drops that one line while it loads; every other
// warning passes.
const UNSUPPORTED_RUNTIME = 'oidc-provider WARNING: Unsupported runtime';
const warn = console.warn;
console.warn = (...args: unknown[]) => {
  if (typeof args[0] === 'string' && args[0].includes(UNSUPPORTED_RUNTIME)) return;
  warn.apply(console, args);
};

export {};
