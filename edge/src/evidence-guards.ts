import type { Logger } from 'pino';
import type { Outbox } from './outbox/index.js';

/** What a guard needs of a camera's recorder: pinning a time range against pruning. */
export interface Protector {
  protect(fromMs: number, toMs: number, reason: string): { release(): void };
}

/**
 * Keeps the recorded segments behind each queued clip from being pruned until the outbox lets go of
 * the clip (its message was delivered, or refused for good). Until then the segments are the second
 * copy of the evidence: the outbox's quota may drop the clip file, and a regulator's export may need
 * the footage around it.
 *
 * Protections live in memory; {@link EvidenceGuards.restore} re-creates them from the outbox after a
 * restart of the edge.
 */
export class EvidenceGuards {
  /** Clip sha256 → protections (one clip may back several messages of several events). */
  private readonly held = new Map<string, { release(): void }[]>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly outbox: Outbox,
    private readonly log: Logger,
  ) {
    this.unsubscribe = outbox.onEvidenceSettled((sha) => this.release(sha));
  }

  /**
   * Protects [fromMs, toMs] of a camera for the clip `sha256`. Call it before the clip's message is
   * enqueued: the release comes from the outbox once nothing queued refers to the clip.
   */
  guard(recorder: Protector, sha256: string, fromMs: number, toMs: number, reason: string): void {
    const handle = recorder.protect(fromMs, toMs, reason);
    const list = this.held.get(sha256) ?? [];
    list.push(handle);
    this.held.set(sha256, list);
  }

  /**
   * Guards the footage of every clip of `cameraId` still queued (after a restart). Call it before the
   * recorder's first pruning pass (its `start`). Returns how many clips were guarded.
   */
  restore(cameraId: string, recorder: Protector): number {
    let n = 0;
    for (const clip of this.outbox.queuedClips()) {
      if (clip.cameraId !== cameraId) continue;
      this.guard(recorder, clip.sha256, clip.startAt, clip.endAt, `queued clip ${clip.sha256.slice(0, 12)}`);
      n++;
    }
    if (n > 0) this.log.info({ cameraId, clips: n }, 'guarding the footage of queued clips');
    return n;
  }

  /** Clips whose footage is guarded now. */
  size(): number {
    return this.held.size;
  }

  /** Releases everything and stops listening (shutdown: protections do not outlive the process anyway). */
  close(): void {
    this.unsubscribe();
    for (const sha of [...this.held.keys()]) this.release(sha);
  }

  private release(sha256: string): void {
    const list = this.held.get(sha256);
    if (list === undefined) return;
    this.held.delete(sha256);
    for (const h of list) h.release();
  }
}
