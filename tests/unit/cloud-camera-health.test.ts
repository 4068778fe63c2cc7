import { describe, expect, it } from 'vitest';
import type { CameraStatus } from '../../protocol/index.js';
import { cloudTimeOf, healthFromStatus, offlineHealth, sameHealth, UNKNOWN_HEALTH } from '../../cloud/src/health/camera-health.js';

const status = (over: Partial<CameraStatus> = {}): CameraStatus => ({
  cameraId: 'cam-1',
  state: 'streaming',
  since: 1000,
  captureFps: 5,
  analysedFps: 5,
  droppedFrames: 0,
  restarts: 0,
  ...over,
});

describe('camera health from a heartbeat', () => {
  it('takes the analysis flags the edge reports', () => {
    expect(healthFromStatus(status({ analysis: { enabled: true, running: false } }), ['r']).analysis).toEqual({ enabled: true, running: false });
  });

  it('infers analysis for edges that do not report it: rules configure it, analysed frames while streaming run it', () => {
    expect(healthFromStatus(status(), ['person-present']).analysis).toEqual({ enabled: true, running: true });
    expect(healthFromStatus(status({ analysedFps: 0 }), ['person-present']).analysis).toEqual({ enabled: true, running: false });
    expect(healthFromStatus(status({ state: 'stalled' }), ['person-present']).analysis).toEqual({ enabled: true, running: false });
    expect(healthFromStatus(status(), []).analysis).toEqual({ enabled: false, running: false });
  });

  it('keeps the kinds of quality issues, sorted and without repeats', () => {
    const quality = [
      { kind: 'frozen' as const, since: 1, value: 0 },
      { kind: 'black' as const, since: 2, value: 3 },
      { kind: 'frozen' as const, since: 3, value: 0 },
    ];
    expect(healthFromStatus(status({ quality }), []).quality).toEqual(['black', 'frozen']);
    expect(healthFromStatus(status(), []).quality).toEqual([]);
  });

  it('treats observations as the same when only the free-text reason differs', () => {
    const a = healthFromStatus(status({ state: 'stalled', reason: 'no new frame for 3.0 s' }), ['r']);
    const b = healthFromStatus(status({ state: 'stalled', reason: 'no new frame for 9.0 s' }), ['r']);
    expect(sameHealth(a, b)).toBe(true);
    expect(sameHealth(a, { ...a, quality: ['black'] })).toBe(false);
    expect(sameHealth(a, { ...a, analysis: null })).toBe(false);
    expect(sameHealth(a, { ...a, state: 'offline' })).toBe(false);
  });

  it('marks offline without picture or running analysis, keeping whether analysis is configured', () => {
    const before = healthFromStatus(status({ quality: [{ kind: 'blurred', since: 1, value: 2 }] }), ['r']);
    expect(offlineHealth(before, 'edge disconnected')).toEqual({
      state: 'offline',
      reason: 'edge disconnected',
      quality: [],
      analysis: { enabled: true, running: false },
    });
    expect(offlineHealth(undefined, 'x').analysis).toBeNull();
    expect(offlineHealth(UNKNOWN_HEALTH, 'x').analysis).toBeNull();
  });
});

describe('edge times on the cloud clock', () => {
  it('translates by the offset the heartbeat itself shows', () => {
    // The edge clock runs 10 s behind: its heartbeat says 5000 when the cloud reads 15 000.
    expect(cloudTimeOf(4000, 5000, 15_000, 0)).toBe(14_000);
  });

  it('never goes before the previous history entry nor after the arrival', () => {
    expect(cloudTimeOf(1000, 5000, 15_000, 12_000)).toBe(12_000);
    expect(cloudTimeOf(9000, 5000, 15_000, 0)).toBe(15_000);
  });
});
