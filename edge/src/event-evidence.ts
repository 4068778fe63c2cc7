import type { Logger } from 'pino';
import type { ClipRef, EventMessage, SnapshotRef } from '../../protocol/index.js';
import type { CameraConfig } from './config.js';
import { renderSnapshot } from './evidence/index.js';
import type { EvidenceGuards } from './evidence-guards.js';
import type { EvidenceInput, Outbox } from './outbox/index.js';
import type { RecordedClip } from './recorder/index.js';
import { toClipRef } from './recorder/index.js';
import type { RuleHit } from './rules/index.js';

/** What event evidence needs of a camera's segment recorder. */
export interface ClipSource {
  protect(fromMs: number, toMs: number, reason: string): { release(): void };
  requestClip(fromMs: number, toMs: number, options?: { waitMs?: number; reason?: string }): Promise<RecordedClip>;
  /** Keeps an event window for the recording's retention (`events` mode); absent: nothing to keep. */
  retain?(fromMs: number, toMs: number, reason: string): Promise<void>;
}

export interface EventEvidenceDeps {
  edgeId: string;
  jpegQuality: number;
  outbox: Outbox;
  notify: () => void;
  logger: Logger;
  /** Keeps each clip's footage until the outbox has delivered the clip; absent: only until the clip is made. */
  guards?: EvidenceGuards;
}

/**
 * Turns rule hits into outbox messages with their evidence: a snapshot when the best frame changed, and
 * for cameras with a recorder a clip from `preSeconds` before the start to `postSeconds` after the end.
 * The recorder's buffer is protected from the event's start, so pre-capture survives pruning; the end
 * message waits for its clip (post-capture must be recorded first) without holding up the camera.
 */
export class EventEvidence {
  private readonly snapshots = new Map<string, { snapshot: SnapshotRef; thumbnail?: SnapshotRef }>();
  private readonly protections = new Map<string, { release(): void }>();
  private readonly pendingClips = new Set<Promise<void>>();
  private readonly listeners: ((msg: EventMessage) => void)[] = [];
  private shuttingDown = false;

  constructor(private readonly deps: EventEvidenceDeps) {}

  onMessage(listener: (msg: EventMessage) => void): void {
    this.listeners.push(listener);
  }

  async emit(hit: RuleHit, camera: CameraConfig, recorder: ClipSource | undefined): Promise<void> {
    const m = hit.message;
    const evidence: EvidenceInput[] = [];
    if (hit.snapshotFrame) {
      const snap = await renderSnapshot(hit.snapshotFrame, hit.snapshotDetections ?? m.detections, this.deps.jpegQuality, hit.overlay);
      this.snapshots.set(m.id, { snapshot: snap.ref, ...(snap.thumbnail ? { thumbnail: snap.thumbnail.ref } : {}) });
      evidence.push({ sha256: snap.ref.sha256, contentType: snap.ref.contentType, data: snap.jpeg });
      if (snap.thumbnail) evidence.push({ sha256: snap.thumbnail.ref.sha256, contentType: 'image/jpeg', data: snap.thumbnail.jpeg });
    }
    const refs = this.snapshots.get(m.id);
    const message: EventMessage = { ...m, edgeId: this.deps.edgeId, ...refs };
    const pre = camera.record.preSeconds * 1000;
    const firstSeen = hit.clipRange?.startAt ?? m.startedAt;
    if (recorder && m.phase === 'start') {
      this.protections.set(m.id, recorder.protect(firstSeen - pre, Number.POSITIVE_INFINITY, `event ${m.id}`));
    }
    if (m.phase !== 'end') {
      this.write(message, evidence);
      return;
    }
    this.snapshots.delete(m.id);
    const protection = this.protections.get(m.id);
    this.protections.delete(m.id);
    if (!recorder) {
      this.write(message, evidence);
      return;
    }
    const to = (hit.clipRange?.endAt ?? m.endedAt ?? m.at) + camera.record.postSeconds * 1000;
    // `events` recording mode: the event window outlives the rolling buffer (for playback and exports).
    void recorder.retain?.(firstSeen - pre, to, `event ${m.id}`).catch((err: unknown) => this.deps.logger.error({ eventId: m.id, err }, 'could not retain the event window'));
    const job = recorder
      .requestClip(firstSeen - pre, to, { reason: `event ${m.id}`, ...(this.shuttingDown ? { waitMs: 0 } : {}) })
      .then(
        (clip) => {
          const ref: ClipRef = toClipRef(clip);
          if (clip.issues.length > 0) this.deps.logger.warn({ eventId: m.id, issues: clip.issues }, 'event clip incomplete');
          // Before the enqueue: from then on only the outbox's delivery releases the footage.
          this.deps.guards?.guard(recorder, ref.sha256, clip.startAt, clip.endAt, `event ${m.id} clip`);
          this.write({ ...message, clip: ref }, [...evidence, { sha256: ref.sha256, contentType: ref.contentType, file: clip.file }]);
        },
        (err: unknown) => {
          // No footage (camera down, recorder stopped): the event still goes out, without a clip.
          this.deps.logger.warn({ eventId: m.id, err: err instanceof Error ? err.message : String(err) }, 'no clip for event');
          this.write(message, evidence);
        },
      )
      .finally(() => {
        protection?.release();
        this.pendingClips.delete(job);
      });
    this.pendingClips.add(job);
  }

  /** From now on clip requests assemble what is recorded instead of waiting for post-capture (shutdown). */
  stopWaiting(): void {
    this.shuttingDown = true;
  }

  /** Waits for every clip still being assembled. */
  async drain(): Promise<void> {
    await Promise.all([...this.pendingClips]);
  }

  private write(message: EventMessage, evidence: readonly EvidenceInput[]): void {
    this.deps.outbox.enqueue(message, evidence);
    this.deps.notify();
    for (const l of this.listeners) l(message);
  }
}
