// A stand-in for the npm registry on 127.0.0.1, so that the packed packages can be installed the
// way a user installs them (`npm install @alexnet/train`, npm resolving every range itself) on a
// machine with no network. It serves:
// - the packed @alexnet tarballs, as if they were published;
// - every other package at the versions the monorepo's package-lock.json holds, their tarballs
//   read by integrity from npm's cache (where `npm ci` left them).
// Nothing else exists: a package or version the lockfile does not hold is a 404, so a tarball
// that needs something the monorepo never installed fails to install.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

/** The fields of a lockfile entry (lockfileVersion 3) that a packument's version carries. */
interface LockEntry {
  name?: string;
  version?: string;
  integrity?: string;
  link?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  bin?: Record<string, string> | string;
  engines?: Record<string, string>;
  os?: string[];
  cpu?: string[];
  libc?: string[];
  license?: string;
  hasInstallScript?: boolean;
}

interface PackumentVersion extends LockEntry {
  name: string;
  version: string;
  dist: { tarball: string; integrity: string };
}

export interface PackedPackage {
  file: string;
  integrity: string;
  manifest: LockEntry & { name: string; version: string };
}

/** A tarball to serve (a packed file, or an entry of npm's content-addressed cache) and what it is. */
type TarballSource = { file: string; id: string };

export interface LocalRegistry {
  /** The registry's address, ending in '/'. */
  url: string;
  /** Every tarball served, as 'name@version'. */
  served: string[];
  /** Requests answered 404 (names npm asked for that the registry does not hold). */
  missing: string[];
  close(): Promise<void>;
}

export interface LocalRegistryOptions {
  /** The monorepo's package-lock.json. */
  lockfile: string;
  /** npm's cache folder (`npm config get cache`), holding `_cacache/content-v2`. */
  npmCache: string;
  /** The packed workspace packages: each tarball, its integrity and the package.json it holds. */
  packed: PackedPackage[];
}

/** The path of a tarball in npm's cache (cacache's content-v2 layout), from its sha512 integrity. */
export function cachedTarballPath(npmCache: string, integrity: string): string {
  const sha512 = integrity.split(/\s+/).find((part) => part.startsWith('sha512-'));
  if (!sha512) throw new Error(`no sha512 integrity in '${integrity}'`);
  const hex = Buffer.from(sha512.slice('sha512-'.length), 'base64').toString('hex');
  return join(npmCache, '_cacache', 'content-v2', 'sha512', hex.slice(0, 2), hex.slice(2, 4), hex.slice(4));
}

/** The package name of a lockfile key: the part after its last 'node_modules/'. */
function nameOfKey(key: string): string | undefined {
  const at = key.lastIndexOf('node_modules/');
  return at < 0 ? undefined : key.slice(at + 'node_modules/'.length);
}

export async function startLocalRegistry(options: LocalRegistryOptions): Promise<LocalRegistry> {
  const lock = JSON.parse(await readFile(options.lockfile, 'utf8')) as { packages: Record<string, LockEntry> };
  const versions = new Map<string, Map<string, PackumentVersion>>();
  const tarballs = new Map<string, TarballSource>();
  let base = '';
  const add = (name: string, entry: LockEntry & { version: string }, integrity: string, source: { file: string }) => {
    const file = `${name.replace('/', '-')}-${entry.version}.tgz`;
    const byVersion = versions.get(name) ?? new Map<string, PackumentVersion>();
    versions.set(name, byVersion);
    // Filled in at request time: the port is known only once the server listens.
    byVersion.set(entry.version, { ...entry, name, version: entry.version, dist: { tarball: `/-/${file}`, integrity } });
    tarballs.set(file, { ...source, id: `${name}@${entry.version}` });
  };
  for (const [key, entry] of Object.entries(lock.packages)) {
    const name = entry.name ?? nameOfKey(key);
    if (!name || entry.link || !entry.version || !entry.integrity || name.startsWith('@alexnet/')) continue;
    add(name, { ...entry, version: entry.version }, entry.integrity, { file: cachedTarballPath(options.npmCache, entry.integrity) });
  }
  for (const packed of options.packed) add(packed.manifest.name, packed.manifest, packed.integrity, { file: packed.file });

  const served: string[] = [];
  const missing: string[] = [];
  const server: Server = createServer((request, response) => {
    void (async () => {
      const path = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname).slice(1);
      if (path.startsWith('-/')) {
        const source = tarballs.get(path.slice(2));
        const size = source
          ? await stat(source.file).then(
              (s) => s.size,
              () => undefined,
            )
          : undefined;
        if (!source || size === undefined) {
          missing.push(path);
          response.writeHead(404).end();
          return;
        }
        served.push(source.id);
        response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': size });
        createReadStream(source.file).pipe(response);
        return;
      }
      const byVersion = versions.get(path);
      if (!byVersion) {
        missing.push(path);
        response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
        return;
      }
      const list = [...byVersion.values()].map((v) => ({ ...v, dist: { ...v.dist, tarball: base + v.dist.tarball.slice(1) } }));
      const latest = list
        .map((v) => v.version)
        .sort(compareVersions)
        .at(-1)!;
      const body = JSON.stringify({ name: path, 'dist-tags': { latest }, versions: Object.fromEntries(list.map((v) => [v.version, v])) });
      response.writeHead(200, { 'content-type': 'application/json' }).end(body);
    })().catch((error: unknown) => {
      response.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return {
    url: base,
    served,
    missing,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

/** Orders plain x.y.z versions (a pre-release sorts before its release); enough for 'latest'. */
function compareVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const [core = '', pre] = v.split('-', 2);
    return { parts: core.split('.').map(Number), pre };
  };
  const [x, y] = [parse(a), parse(b)];
  for (let i = 0; i < 3; i++) if (x.parts[i] !== y.parts[i]) return (x.parts[i] ?? 0) - (y.parts[i] ?? 0);
  if (x.pre === y.pre) return 0;
  return x.pre === undefined ? 1 : y.pre === undefined ? -1 : x.pre < y.pre ? -1 : 1;
}

/** sha512 integrity of a file, as npm writes it. */
export async function integrityOf(file: string): Promise<string> {
  return `sha512-${createHash('sha512')
    .update(await readFile(file))
    .digest('base64')}`;
}
