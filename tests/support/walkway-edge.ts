import path from 'node:path';
import { existsSync } from 'node:fs';
import { parseEdgeConfig, type EdgeConfig } from '../../edge/src/config.js';
import { testMediaDir, testModelsDir } from './harness.js';

/**
 * The PETS walkway camera of the camera-rules tests (API and browser): the clip, and the zones picked by
 * looking at the snapshot tests/integration/camera-rules.test.ts saves (test-artifacts/camera-rules/
 * snapshot.jpg) — the stretch of walkway people cross all the time (feet of two or three people inside it
 * on any frame), and the top-left corner, a building wall where nobody walks.
 */
export const WALKWAY_CLIP = 'videos/public-pets2009-s2l1-vtest-480p.mp4';
export const WALKWAY_CAMERA = 'walkway';
export const WALKWAY: [number, number][] = [[0.3, 0.36], [0.78, 0.36], [0.78, 0.6], [0.3, 0.6]];
export const CORNER: [number, number][] = [[0.0, 0.0], [0.1, 0.0], [0.1, 0.1], [0.0, 0.1]];

/** Whether the footage and the model the walkway tests need are present. */
export const walkwayAvailable = (): boolean =>
  existsSync(path.join(testMediaDir(), WALKWAY_CLIP)) && existsSync(path.join(testModelsDir(), 'coco-yolox-nano'));

/**
 * An edge analysing the walkway camera with YOLOX-Nano (no recording, no health checks), whose config
 * file watches the corner (zone `yaml-corner`) with `yamlRule` — the rules a cloud revision replaces.
 */
export function walkwayEdgeConfig(o: {
  edgeId: string;
  dataDir: string;
  cloudUrl: string;
  token: string;
  cameraUrl: string | undefined;
  yamlRule: Record<string, unknown>;
  source: string;
}): EdgeConfig {
  return parseEdgeConfig(
    {
      edgeId: o.edgeId,
      dataDir: o.dataDir,
      cloud: { url: o.cloudUrl, token: o.token, heartbeatIntervalMs: 1000 },
      models: { dir: testModelsDir(), intraOpThreads: 2 },
      cameras: [
        {
          id: WALKWAY_CAMERA,
          name: 'PETS walkway',
          url: o.cameraUrl,
          detect: { width: 480, height: 360, fps: 5 },
          models: ['coco-yolox-nano'],
          record: { enabled: false },
          health: { enabled: false },
          zones: [{ id: 'yaml-corner', points: CORNER }],
          rules: [o.yamlRule],
        },
      ],
    },
    o.source,
    { env: {} },
  );
}
