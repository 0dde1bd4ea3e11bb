// Docker's progress streams (pull, build, import), shared by the cluster's image builds and the
// agent's containerizers. Kept apart from the image-building code so that the agent, which runs in
// the node image where the build-only dependencies (tar-fs) are absent, can load it.
import type Dockerode from 'dockerode';

/** Consumes a Docker progress stream (pull, build, import); rejects on the first error it reports. */
export function followProgress(
  docker: Dockerode,
  stream: NodeJS.ReadableStream,
  onLine?: (line: string) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let failure: string | null = null;
    docker.modem.followProgress(
      stream,
      (err) => {
        if (err) reject(err);
        else if (failure) reject(new Error(failure));
        else resolve();
      },
      (event: { error?: string; errorDetail?: { message?: string }; stream?: string; status?: string }) => {
        if (event.error || event.errorDetail)
          failure ??= event.errorDetail?.message ?? event.error ?? 'error';
        const line = (event.stream ?? event.status ?? '').trim();
        if (line) onLine?.(line);
      },
    );
  });
}
