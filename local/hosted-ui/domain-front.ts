// What DNS and Cognito's certificate do for a pool's domain on AWS, for a browser on this machine:
// an HTTPS server on loopback that answers every domain by its Host header, sending the browser on
// to the local hosted UI's path for that domain. Authentik sends the browser back to
// `https://<domain>/oauth2/idpresponse` (the redirect URI Cognito registered), so a browser that
// resolves the pool's domains here (Chromium's --host-resolver-rules) and accepts this self-signed
// certificate completes the sign-in. The verification needs none of this: it takes the hosted UI's
// base URL as configuration.
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { generateSelfSignedKeyPair } from '../authentik/x509.ts';

export interface DomainFront {
  /** The loopback port the domains resolve to. */
  port: number;
  /** Chromium flags that send `hosts` (patterns such as `*.amazoncognito.com`) here. */
  chromiumFlags(hosts: readonly string[]): string[];
  stop(): Promise<void>;
}

export async function startDomainFront(hostedUi: string): Promise<DomainFront> {
  const tls = await generateSelfSignedKeyPair('local hosted UI');
  const server = createServer({ cert: tls.certificatePem, key: tls.privateKeyPem }, (req, res) => {
    const host = (req.headers.host ?? '').replace(/:\d+$/, '');
    res.writeHead(302, { location: `${hostedUi}/${host}${req.url ?? '/'}`, 'content-length': 0 });
    res.end();
  });
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    chromiumFlags: (hosts) => [
      `--host-resolver-rules=${hosts.map((host) => `MAP ${host} 127.0.0.1:${port}`).join(',')}`,
      '--ignore-certificate-errors',
    ],
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
