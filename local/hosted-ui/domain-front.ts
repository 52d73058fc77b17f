// What DNS and Cognito's certificate do for a pool's domain on AWS, for a browser on this machine:
// an HTTPS server on loopback that answers every domain by its Host header with what the local
// hosted UI answers for that domain (a reverse proxy to `<hostedUi>/<domain>`, so the browser stays
// on `https://<domain>` as it does on AWS, one redirect fewer than sending it on to the hosted UI's
// own URL). Authentik sends the browser back to `https://<domain>/oauth2/idpresponse` (the redirect
// URI Cognito registered), so a browser that resolves the pool's domains here (Chromium's
// --host-resolver-rules) and accepts this self-signed certificate completes the sign-in. It has to
// be HTTPS: that redirect URI is the one Cognito gives the identity provider, and its domains serve
// HTTPS only. The verification needs none of this: it takes the hosted UI's base URL as
// configuration.
import { Agent, request } from 'node:http';
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

/** Hop-by-hop headers (RFC 9110 section 7.6.1) stay on their own connection. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'te', 'trailer']);

export async function startDomainFront(hostedUi: string): Promise<DomainFront> {
  const tls = await generateSelfSignedKeyPair('local hosted UI');
  const upstream = new URL(hostedUi);
  const agent = new Agent({ keepAlive: true });
  const server = createServer({ cert: tls.certificatePem, key: tls.privateKeyPem }, (req, res) => {
    const host = (req.headers.host ?? '').replace(/:\d+$/, '');
    const headers = Object.fromEntries(
      Object.entries(req.headers).filter(([name]) => !HOP_BY_HOP.has(name) && name !== 'host'),
    );
    const forwarded = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: `/${host}${req.url ?? '/'}`,
        headers,
        agent,
      },
      (answer) => {
        const back = Object.fromEntries(
          Object.entries(answer.headers).filter(([name]) => !HOP_BY_HOP.has(name)),
        );
        res.writeHead(answer.statusCode ?? 502, back);
        answer.pipe(res);
      },
    );
    forwarded.on('error', (error) => {
      if (res.headersSent) return res.destroy();
      res.writeHead(502, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`the local hosted UI did not answer: ${error.message}`);
    });
    req.pipe(forwarded);
  });
  // The browser's TLS connection is kept between sign-ins (a handshake each time would be most of
  // this hop); stop() closes it.
  server.keepAliveTimeout = 5_000;
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
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
