import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { RECORDING_UPLOAD_PATH } from '../../../protocol/index.js';

/** Where and as whom the edge uploads. */
export interface UploadTarget {
  readonly cloudUrl: string;
  readonly edgeId: string;
  readonly token: string;
}

/**
 * Streams a fetched recording to the cloud (`PUT {RECORDING_UPLOAD_PATH}/:requestId/:sha256`, edge
 * credentials). The cloud hashes it on arrival and keeps it only when it matches; throws with the
 * cloud's answer otherwise.
 */
export async function uploadRecording(target: UploadTarget, requestId: string, file: string, sha256: string, bytes: number): Promise<void> {
  const body = Readable.toWeb(createReadStream(file)) as ReadableStream<Uint8Array>;
  const res = await fetch(new URL(`${RECORDING_UPLOAD_PATH}/${requestId}/${sha256}`, target.cloudUrl), {
    method: 'PUT',
    headers: {
      authorization: `Bearer ${target.token}`,
      'x-edge-id': target.edgeId,
      'content-type': 'video/mp4',
      'content-length': String(bytes),
    },
    body,
    duplex: 'half',
    // An hour of a main stream is hundreds of MB: allow ~100 kB/s on a slow link before giving up.
    signal: AbortSignal.timeout(Math.max(60_000, bytes / 100)),
  } as RequestInit);
  if (!res.ok) throw new Error(`recording upload ${res.status}: ${(await res.text()).slice(0, 200)}`);
}
