// Every published package as npm would publish it: publint (package.json against the files the
// tarball holds) and Are The Types Wrong (its types resolve for ESM consumers: node16 and bundlers).
// Needs the packages built (npm run build). Exits 1 on any error, printing each.
//   node scripts/check-packages.mjs
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';

const root = fileURLToPath(new URL('..', import.meta.url));
const attw = join(root, 'node_modules', '.bin', 'attw');
let failed = 0;
for (const name of readdirSync(join(root, 'packages'))) {
  const dir = join(root, 'packages', name);
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  if (pkg.private) continue;
  const { messages } = await publint({ pkgDir: dir, level: 'warning', strict: true });
  for (const m of messages) console.log(`${pkg.name}: publint ${m.type}: ${formatMessage(m, pkg)}`);
  failed += messages.length;
  try {
    // ESM-only packages: CommonJS require() is not a way in, by design.
    execFileSync(attw, ['--pack', dir, '--profile', 'esm-only', '--format', 'table-flipped'], { stdio: 'pipe', encoding: 'utf8' });
    console.log(`${pkg.name}: publint and attw pass`);
  } catch (error) {
    failed++;
    console.log(`${pkg.name}: attw found problems\n${error.stdout ?? error.message}`);
  }
}
process.exit(failed === 0 ? 0 : 1);
