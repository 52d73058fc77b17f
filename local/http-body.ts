// A request's body, read whole, for the local world's servers that answer browsers and clients.
import type { IncomingMessage } from 'node:http';

/** The body as bytes, or undefined once it grows past `maxBytes` (the caller answers the refusal). */
export async function readCappedBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
