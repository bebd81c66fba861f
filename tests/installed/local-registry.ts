// A stand-in for the npm registry on 127.0.0.1, so that the packed packages can be installed the
// way a user installs them (`npm install @alexnet/train`, npm resolving every range itself) on a
// machine with no network. It serves:
// - the packed @alexnet tarballs, as if they were published;
// - every other package at the versions the monorepo's package-lock.json holds, their tarballs
//   read by integrity from npm's cache (where `npm ci` left them).
// Nothing else exists: a package or version the lockfile does not hold is a 404, so a tarball
// that needs something the monorepo never installed fails to install.
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';

/** A lockfile entry (lockfileVersion 3), with the fields a packument's version carries (VERSION_FIELDS) and those that say what it is. */
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

/** What npm resolves and installs by; the rest of an entry (resolved, dev, optional …) describes the monorepo's tree. */
const VERSION_FIELDS = [
  'dependencies',
  'optionalDependencies',
  'peerDependencies',
  'peerDependenciesMeta',
  'bin',
  'engines',
  'os',
  'cpu',
  'libc',
  'license',
  'hasInstallScript',
] as const;

interface PackumentVersion extends LockEntry {
  name: string;
  version: string;
  dist: { tarball: string; integrity: string };
}

export interface PackedPackage {
  file: string;
  integrity: string;
  manifest: LockEntry & { name: string; version: string; exports?: Record<string, unknown> };
}

/** A tarball to serve (a packed file, or an entry of npm's content-addressed cache) and what it is. */
type TarballSource = { file: string; id: string };

export interface LocalRegistry {
  /** The registry's address, ending in '/'. */
  url: string;
  /** Every tarball served, as 'name@version'. */
  served: string[];
  /** Requests answered 404: names the registry does not hold (optional peers, for one), tarballs missing from npm's cache. */
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

/** The path of a tarball in npm's cache (cacache's content-v2 layout), from its sha512 integrity; undefined without one. */
export function cachedTarballPath(npmCache: string, integrity: string): string | undefined {
  const sha512 = integrity.split(/\s+/).find((part) => part.startsWith('sha512-'));
  if (!sha512) return undefined;
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
    const fields = Object.fromEntries(VERSION_FIELDS.filter((field) => entry[field] !== undefined).map((field) => [field, entry[field]]));
    // The tarball's address is completed at request time: the port is known only once the server listens.
    byVersion.set(entry.version, { ...fields, name, version: entry.version, dist: { tarball: `/-/${file}`, integrity } });
    tarballs.set(file, { ...source, id: `${name}@${entry.version}` });
  };
  for (const [key, entry] of Object.entries(lock.packages)) {
    const name = entry.name ?? nameOfKey(key);
    if (!name || entry.link || !entry.version || !entry.integrity || name.startsWith('@alexnet/')) continue;
    const file = cachedTarballPath(options.npmCache, entry.integrity);
    if (file) add(name, { ...entry, version: entry.version }, entry.integrity, { file });
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
        await pipeline(createReadStream(source.file), response);
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
      if (response.headersSent) response.destroy(error as Error);
      else response.writeHead(500).end(String(error));
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
