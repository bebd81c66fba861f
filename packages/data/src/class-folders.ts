import { readdir } from 'node:fs/promises';
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
  const classes = entries
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
  if (classes.length === 0) throw new Error(`${root} has no class folders (expected <root>/<class>/<image>)`);
  const items: LabelledFile[] = [];
  for (const [label, name] of classes.entries()) {
    const files = (await readdir(join(root, name), { withFileTypes: true }))
      .filter((e) => e.isFile() && !e.name.startsWith('.'))
      .map((e) => e.name)
      .sort();
    for (const file of files) items.push({ file: join(root, name, file), label });
  }
  return { classes, items };
}
