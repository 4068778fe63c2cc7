import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteOutbox } from '../../edge/src/outbox/index.js';
import type { EventMessage } from '../../protocol/index.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
const tmp = () => {
  const d = mkdtempSync(path.join(tmpdir(), 'ml-outbox-'));
  dirs.push(d);
  return d;
};

const sha = 'a'.repeat(64);
const msg = (seq: number, withSnapshot: boolean): EventMessage => ({
  id: '0190a000-0000-7000-8000-000000000001',
  seq,
  phase: seq === 0 ? 'start' : 'end',
  edgeId: 'edge-1',
  cameraId: 'cam-1',
  ruleId: 'r',
  type: 'presence',
  severity: 2,
  label: 'person',
  topScore: 0.9,
  startedAt: 1,
  at: 2,
  detections: [],
  ...(withSnapshot ? { snapshot: { sha256: sha, contentType: 'image/jpeg', size: 3, width: 1, height: 1 } } : {}),
});

describe('sqlite outbox', () => {
  it('keeps messages in order across a reopen and deletes evidence only when no message needs it', () => {
    const dir = tmp();
    let box = openSqliteOutbox(dir);
    box.enqueue(msg(0, true), [{ sha256: sha, data: Buffer.from('jpg'), contentType: 'image/jpeg' }]);
    box.enqueue(msg(1, true)); // the end refers to the same snapshot without re-sending it
    box.close();

    box = openSqliteOutbox(dir); // a restart loses nothing
    expect(box.size()).toBe(2);
    const first = box.peek();
    expect(first?.message.seq).toBe(0);
    expect(first?.evidence.map((e) => e.sha256)).toEqual([sha]);
    expect(readFileSync(box.evidencePath(sha)).toString()).toBe('jpg');
    box.noteAttempt(first!.id, 'timeout');
    expect(box.peek()?.attempts).toBe(1);
    box.ack(first!.id);
    expect(readdirSync(path.join(dir, 'outbox-evidence'))).toEqual([]);
    const second = box.peek();
    expect(second?.message.seq).toBe(1);
    box.reject(second!.id, 'BAD_MESSAGE: x');
    expect(box.size()).toBe(0);
    expect(box.stats().rejected).toBe(1);
    expect(box.peek()).toBeUndefined();
    box.close();
  });

  it('moves a clip file in, and over the quota drops the oldest evidence first while keeping every event', () => {
    const dir = tmp();
    const box = openSqliteOutbox(dir, { maxBytes: 2500 });
    const clip = path.join(dir, 'clip.mp4');
    writeFileSync(clip, Buffer.alloc(1000, 1));
    const shaOf = (n: number) => String(n).repeat(64).slice(0, 64);
    box.enqueue(msg(0, false), [{ sha256: shaOf(1), contentType: 'image/jpeg', data: Buffer.alloc(1000) }]);
    box.enqueue(msg(1, false), [{ sha256: shaOf(2), contentType: 'video/mp4', file: clip }]);
    expect(existsSync(clip)).toBe(false); // moved, not copied
    expect(box.stats()).toMatchObject({ backlog: 2, evidenceBytes: 2000, droppedFiles: 0 });
    box.enqueue(msg(2, false), [{ sha256: shaOf(3), contentType: 'image/jpeg', data: Buffer.alloc(1000) }]);
    // 3000 bytes > 2500: the oldest file goes, all three messages stay.
    expect(box.stats()).toMatchObject({ backlog: 3, evidenceBytes: 2000, droppedFiles: 1, droppedBytes: 1000 });
    expect(box.peek()?.evidence).toEqual([]);
    expect(existsSync(box.evidencePath(shaOf(1)))).toBe(false);
    expect(existsSync(box.evidencePath(shaOf(2)))).toBe(true);
    box.close();
  });
  it('gives up on an evidence file that vanished: the message stays, the file is counted as dropped', () => {
    const dir = tmp();
    const box = openSqliteOutbox(dir);
    box.enqueue(msg(0, true), [{ sha256: sha, data: Buffer.from('jpg'), contentType: 'image/jpeg' }]);
    rmSync(box.evidencePath(sha));
    box.dropMissingEvidence(sha);
    expect(box.peek()?.evidence).toEqual([]);
    expect(box.peek()?.message.seq).toBe(0);
    expect(box.stats()).toMatchObject({ backlog: 1, droppedFiles: 1 });
    box.close();
  });
});
