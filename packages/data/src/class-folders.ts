import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

export interface LabelledFile {
  file: string;
  label: number;
}

export interface ClassFolderTree {
  /** Class names in label order (sorted folder names). */
  classes: string[];
  items: LabelledFile[];
}

/** Lists a `<root>/<class>/<image>` tree; classes are the sorted folder names, files sorted within. */
export async function readClassFolders(root: string): Promise<ClassFolderTree> {
  let entries;
  try {
    entries = await readdir(root, { withFileTypes: true });
  } catch (error) {
    throw new Error(`cannot read dataset folder ${root}: ${(error as Error).message}`);
  }
  // Symbolic links are followed: linked class folders and images are common in dataset subsets.
  const isKind = async (path: string, entry: { isDirectory(): boolean; isFile(): boolean; isSymbolicLink(): boolean }, kind: 'dir' | 'file') => {
    if (!entry.isSymbolicLink()) return kind === 'dir' ? entry.isDirectory() : entry.isFile();
    const target = await stat(path).catch(() => null);
    return target !== null && (kind === 'dir' ? target.isDirectory() : target.isFile());
  };
  const classes: string[] = [];
  for (const e of entries) if (!e.name.startsWith('.') && (await isKind(join(root, e.name), e, 'dir'))) classes.push(e.name);
  classes.sort();
  if (classes.length === 0) throw new Error(`${root} has no class folders (expected <root>/<class>/<image>)`);
  const items: LabelledFile[] = [];
  for (const [label, name] of classes.entries()) {
    const files: string[] = [];
    for (const e of await readdir(join(root, name), { withFileTypes: true })) {
      if (!e.name.startsWith('.') && (await isKind(join(root, name, e.name), e, 'file'))) files.push(e.name);
    }
    files.sort();
    for (const file of files) items.push({ file: join(root, name, file), label });
  }
  return { classes, items };
}
