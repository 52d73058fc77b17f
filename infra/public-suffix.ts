// The Public Suffix List's answer for the allow-list breadth rule (functions/lib/authentik-address.ts
// `allowListProblems`), from tldts, which ships the list: ICANN suffixes (`com`, `co.uk`) and the
// private section (`github.io`, `compute.amazonaws.com`), where one registrant hands out names to
// many. Services that resolve any name to the address written in it (nip.io, sslip.io…) are not on
// the list; they are added as private suffixes here.
//
// Used at synth, where the allow-list is read from CDK context. The Lambda bundles do not carry it:
// the list is some 136 KB minified, about as much as a function's own code, loaded at every cold
// start for a rule the synth has already checked. At cold
// start the functions apply the same rule without the list (single labels and those services), so
// an environment edited by hand still cannot open `*.com` or `*.nip.io`.
import { getDomain } from 'tldts';
import { WILDCARD_DNS_SERVICES } from '../functions/lib/authentik-address.ts';

/** True when `domain` is a public suffix (no registrable domain at or above it below the suffix). */
export function isPublicSuffix(domain: string): boolean {
  const registrable = getDomain(domain, {
    allowPrivateDomains: true,
    extractHostname: false,
    extraSuffixes: { private: WILDCARD_DNS_SERVICES },
  });
  return registrable === null;
}
