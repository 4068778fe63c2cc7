import { defineConfig } from 'vitest/config';

// Integration and e2e tests start real ffmpeg, RTSP servers and ONNX sessions on a 2-core machine:
// run test files one at a time so they do not starve each other, and give them room to start.
export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    typecheck: { enabled: true, include: ['tests/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
  },
});
