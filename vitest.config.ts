import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20000,
    globalSetup: ['test/temp-root.ts'],
    // sums in chunks of 4096 positions (65536 by default, src/losses/reduce.ts), so that inputs
    // of a few MB span many chunks and threads split them; test/chunk-default.test.ts runs the default
    env: { LOSSCALC_CHUNK_POSITIONS: '4096' },
  },
});
