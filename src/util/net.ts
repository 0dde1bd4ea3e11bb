import { createServer } from 'node:net';

/**
 * A TCP port that was free a moment ago: the kernel picks one for a listener on port 0, which we
 * then close. Another process can take it before the caller binds it, so callers that spawn a
 * server should still report bind failures clearly.
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port: 0, host, exclusive: true }, () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error(`could not read the port of a listener on ${host}:0`));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}

/** Whether `host:port` can be bound right now. */
export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE' || err.code === 'EACCES') resolve(false);
      else reject(err);
    });
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** `host:port` (the last colon separates them) as its parts; throws for anything else. */
export function splitHostPort(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  const port = Number(address.slice(i + 1));
  if (i <= 0 || !Number.isInteger(port) || port <= 0)
    throw new Error(`not a host:port address: '${address}'`);
  return { host: address.slice(0, i), port };
}
