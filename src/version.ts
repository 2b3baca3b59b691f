import { createRequire } from 'node:module';
import { embedded } from './embedded.js';

/** The version in package.json, found from this module (src/, dist/ or the dist/bundle/ build), or built into the executable. */
export function packageVersion(): string {
  const built = embedded().version;
  if (built) return built;
  const require = createRequire(import.meta.url);
  for (const path of ['../package.json', '../../package.json']) {
    try {
      const pkg = require(path) as { name?: string; version?: string };
      if (pkg.name === 'losscalc' && pkg.version) return pkg.version;
    } catch {
      // not at this depth
    }
  }
  return 'unknown';
}
