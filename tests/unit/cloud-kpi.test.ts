import { describe, expect, it } from 'vitest';
import { UNKNOWN_HEALTH, type CameraHealth } from '../../cloud/src/health/camera-health.js';
import {
  kpiFlags,
  scoreNow,
  scoreWindow,
  shortfalls,
  summarise,
  timeInWindow,
  type HealthEntry,
} from '../../cloud/src/stats/kpi.js';

const running = { enabled: true, running: true };
const streaming: CameraHealth = { state: 'streaming', reason: null, quality: [], analysis: running };
const h = (over: Partial<CameraHealth>): CameraHealth => ({ ...streaming, ...over });
const at = (t: number, health: CameraHealth): HealthEntry => ({ at: t, health });

describe('camera KPI flags', () => {
  it('counts a streaming camera with analysis running as good on every KPI', () => {
    expect(kpiFlags(streaming)).toEqual({ online: true, picture: true, ai: true });
  });

  it('takes the picture away for black or frozen, but not for a blurred or colour-cast picture', () => {
    expect(kpiFlags(h({ quality: ['black'] }))).toEqual({ online: true, picture: false, ai: true });
    expect(kpiFlags(h({ quality: ['blurred', 'frozen'] })).picture).toBe(false);
    expect(kpiFlags(h({ quality: ['blurred', 'colour_cast', 'covered', 'overexposed'] })).picture).toBe(true);
  });

  it('counts nothing for a camera that is not streaming, whatever its analysis says', () => {
    for (const state of ['connecting', 'stalled', 'offline', 'unknown'] as const) {
      expect(kpiFlags(h({ state })), state).toEqual({ online: false, picture: false, ai: false });
    }
    expect(kpiFlags(UNKNOWN_HEALTH)).toEqual({ online: false, picture: false, ai: false });
  });

  it('needs analysis running for AI coverage: configured but idle, not configured, or unknown all fail', () => {
    expect(kpiFlags(h({ analysis: { enabled: true, running: false } })).ai).toBe(false);
    expect(kpiFlags(h({ analysis: { enabled: false, running: false } })).ai).toBe(false);
    expect(kpiFlags(h({ analysis: null })).ai).toBe(false);
  });
});

describe('time-weighted KPI time over a window', () => {
  // Window [1000, 2000): 1000 ms.
  it('splits the window at each change and counts only the good spans', () => {
    const history = [
      at(500, streaming), // in effect at `from`
      at(1200, h({ quality: ['frozen'] })),
      at(1500, h({ state: 'stalled', analysis: { enabled: true, running: false } })),
      at(1800, streaming),
    ];
    expect(timeInWindow(history, 1000, 2000, 0)).toEqual({
      exposureMs: 1000,
      onlineMs: 200 + 300 + 200, // 1000–1200, 1200–1500 (frozen is still online), 1800–2000
      pictureMs: 200 + 200,
      aiMs: 200 + 300 + 200,
    });
  });

  it('counts the time before the first entry as unknown (not online)', () => {
    expect(timeInWindow([at(1400, streaming)], 1000, 2000, 0)).toMatchObject({ exposureMs: 1000, onlineMs: 600 });
  });

  it('counts a camera only from when it existed, and not at all when it did not exist in the window', () => {
    expect(timeInWindow([at(1500, streaming)], 1000, 2000, 1250)).toEqual({ exposureMs: 750, onlineMs: 500, pictureMs: 500, aiMs: 500 });
    expect(timeInWindow([], 1000, 2000, 2000).exposureMs).toBe(0);
    expect(timeInWindow([], 1000, 2000, 5000).exposureMs).toBe(0);
  });

  it('ignores entries after the window and clips the one running past its end', () => {
    const history = [at(900, h({ state: 'offline' })), at(1900, streaming), at(2500, h({ state: 'offline' }))];
    expect(timeInWindow(history, 1000, 2000, 0)).toMatchObject({ onlineMs: 100 });
  });

  it('handles entries at the same instant (the later one wins) and an empty history', () => {
    const history = [at(1000, h({ state: 'offline' })), at(1000, streaming)];
    expect(timeInWindow(history, 1000, 2000, 0).onlineMs).toBe(1000);
    expect(timeInWindow([], 1000, 2000, 0)).toEqual({ exposureMs: 1000, onlineMs: 0, pictureMs: 0, aiMs: 0 });
  });
});

describe('KPI summaries', () => {
  it('gives counts and rates now', () => {
    const scores = [
      scoreNow('a', 1, streaming, true),
      scoreNow('b', 1, h({ quality: ['black'] }), false),
      scoreNow('c', 2, h({ state: 'offline' }), true),
      scoreNow('d', null, h({ analysis: { enabled: false, running: false } }), true),
    ];
    expect(summarise(scores, 1)).toEqual({
      cameras: 4,
      online: 3,
      picture: 2,
      aiCoverage: 2,
      directoryCompliant: 3,
      onlineRate: 0.75,
      pictureRate: 0.5,
      aiCoverageRate: 0.5,
      directoryComplianceRate: 0.75,
    });
  });

  it('weights each camera by the time it existed over a window and reports time-averaged counts', () => {
    // Camera a existed the whole 1000 ms and was online 500; b existed 250 ms, all online.
    const a = scoreWindow('a', 1, { exposureMs: 1000, onlineMs: 500, pictureMs: 500, aiMs: 0 }, true);
    const b = scoreWindow('b', 1, { exposureMs: 250, onlineMs: 250, pictureMs: 0, aiMs: 250 }, false);
    const group = summarise([a, b], 1000);
    expect(group).toEqual({
      cameras: 2,
      online: 0.75,
      picture: 0.5,
      aiCoverage: 0.25,
      directoryCompliant: 1,
      onlineRate: 0.6, // 750 / 1250
      pictureRate: 0.4,
      aiCoverageRate: 0.2,
      directoryComplianceRate: 0.5,
    });
  });

  it('answers null rates for a group without cameras, and never exceeds 1 through rounding', () => {
    expect(summarise([], 1)).toMatchObject({ cameras: 0, onlineRate: null, directoryComplianceRate: null });
    const thirds = [0.1, 0.2, 0.7].map((w, i) => scoreWindow(`c${i}`, null, { exposureMs: w, onlineMs: w, pictureMs: w, aiMs: w }, true));
    expect(summarise(thirds, 1).onlineRate).toBe(1);
  });

  it('names the KPIs a camera falls short of, with the share of good time', () => {
    expect(shortfalls(scoreNow('a', 1, streaming, true))).toEqual([]);
    expect(shortfalls(scoreNow('a', 1, h({ quality: ['frozen'] }), false)).map((s) => s.kpi)).toEqual(['picture', 'directoryCompliance']);
    const partial = scoreWindow('a', 1, { exposureMs: 1000, onlineMs: 1000, pictureMs: 250, aiMs: 1000 }, true);
    expect(shortfalls(partial)).toEqual([{ kpi: 'picture', share: 0.25 }]);
  });
});
