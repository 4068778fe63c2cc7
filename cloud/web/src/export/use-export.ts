import { useCallback, useEffect, useRef, useState } from 'react';
import type { ExportItem, ExportRequestBody } from '../../../../protocol/archive.js';
import { useSession } from '../api/session-context.js';
import { isAbort, pollUntil } from '../lib/poll.js';

/** How often a building export is asked for its progress. */
const POLL_MS = 1000;

export type ExportRun =
  | { status: 'idle' }
  | { status: 'building'; item: ExportItem | null }
  | { status: 'ready'; item: ExportItem }
  | { status: 'failed'; error: unknown; item: ExportItem | null };

export interface ExportControl {
  run: ExportRun;
  /** `POST /api/exports`, then polls `GET /api/exports/:id` until it is ready or failed. */
  start: (body: ExportRequestBody) => void;
  /** Fetches the ready zip with the bearer token and hands it to the browser as a download. */
  download: () => Promise<void>;
  downloading: boolean;
  downloadError: unknown;
  reset: () => void;
}

/** Saves a Blob under a file name through a temporary object URL and a clicked `<a download>`. */
export function saveBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  // The download has taken its copy once click() returns; keep the URL a moment for slow browsers.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * One evidence export at a time: start, progress (files packed, bytes), download. Leaving the page
 * stops the polling; the export itself keeps building on the cloud until it expires.
 */
export function useExport(): ExportControl {
  const { api } = useSession();
  const [run, setRun] = useState<ExportRun>({ status: 'idle' });
  const [downloading, setDownloading] = useState(false);
  const [downloadError, setDownloadError] = useState<unknown>(null);
  const abort = useRef<AbortController | null>(null);
  useEffect(() => () => abort.current?.abort(), []);

  const start = useCallback(
    (body: ExportRequestBody) => {
      abort.current?.abort();
      const ctrl = new AbortController();
      abort.current = ctrl;
      setRun({ status: 'building', item: null });
      setDownloadError(null);
      const go = async (): Promise<void> => {
        try {
          const created = await api.post<ExportItem>('/api/exports', body, ctrl.signal);
          const final = await pollUntil(
            (signal) => api.get<ExportItem>(`/api/exports/${created.id}`, signal),
            (item) => item.state !== 'building',
            (item) => setRun({ status: 'building', item }),
            ctrl.signal,
            POLL_MS,
          );
          setRun(final.state === 'ready' ? { status: 'ready', item: final } : { status: 'failed', error: new Error(final.error ?? final.state), item: final });
        } catch (error) {
          if (!isAbort(error)) setRun({ status: 'failed', error, item: null });
        }
      };
      void go();
    },
    [api],
  );

  const download = useCallback(async () => {
    if (run.status !== 'ready' || run.item.url === null) return;
    setDownloading(true);
    setDownloadError(null);
    try {
      const blob = await api.blob(run.item.url);
      saveBlob(blob, `mingliang-export-${run.item.id}.zip`);
    } catch (err) {
      setDownloadError(err);
    } finally {
      setDownloading(false);
    }
  }, [api, run]);

  const reset = useCallback(() => {
    abort.current?.abort();
    setRun({ status: 'idle' });
    setDownloadError(null);
  }, []);

  return { run, start, download, downloading, downloadError, reset };
}
