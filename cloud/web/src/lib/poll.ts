/**
 * Calls `read` every `intervalMs` until `done` says the answer is final, the signal aborts, or `read`
 * throws; each answer goes to `onUpdate` first. Used for recording requests and exports, whose
 * progress the cloud reports only when asked.
 * @returns the final answer
 * @throws what `read` throws, or an AbortError
 */
export async function pollUntil<T>(
  read: (signal: AbortSignal) => Promise<T>,
  done: (value: T) => boolean,
  onUpdate: (value: T) => void,
  signal: AbortSignal,
  intervalMs = 1000,
): Promise<T> {
  for (;;) {
    const value = await read(signal);
    onUpdate(value);
    if (done(value)) return value;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, intervalMs);
      signal.addEventListener(
        'abort',
        () => {
          clearTimeout(timer);
          reject(new DOMException('aborted', 'AbortError'));
        },
        { once: true },
      );
    });
  }
}

/** Whether an error is the abort of a fetch or poll that nobody waits for any more. */
export function isAbort(err: unknown): boolean {
  return err instanceof DOMException && err.name === 'AbortError';
}
