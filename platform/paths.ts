import fs from 'node:fs';
import path from 'node:path';

/**
 * The repository's root folder (where package.json is), the same whether the code runs from the
 * sources or from the compiled build (build/, one level deeper).
 */
export const REPO_ROOT: string = (() => {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(__dirname, '..');
  }
})();
