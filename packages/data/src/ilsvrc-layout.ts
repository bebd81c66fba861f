import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { readRegularFile } from '@alexnet/files';
import { readClassFolders, type LabelledFile } from './class-folders.js';

/** A label or name file of the tree: a regular file (links followed), at most 256 MB. */
const readText = async (file: string) => (await readRegularFile(file, { maxBytes: 256 * 2 ** 20, followLinks: true })).toString('utf8');

/**
 * An ILSVRC (ImageNet) tree as distributed: `train/<wnid>/*.JPEG`, and a flat
 * `val/` folder whose labels live in a separate file — Kaggle's
 * `LOC_val_solution.csv`, or the devkit's `*_validation_ground_truth.txt`
 * (one class ID per line, in file-name order) with `map_clsloc.txt`
 * (`<wnid> <ID> <name>`). A val folder that already has class subfolders
 * (after the usual valprep.sh) is read as class folders.
 */
export interface IlsvrcListing {
  /** wnids, sorted: the label order of Caffe and torchvision. */
  classes: string[];
  /** Human-readable names (synset words) when the tree has them. */
  classNames?: string[];
  train: LabelledFile[];
  val: LabelledFile[];
  /** Val images whose label is missing or names a class with no training folder. */
  rejected: Array<{ file: string; reason: string }>;
}

const WNID = /^n\d{8}$/;

async function isDir(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

async function firstExisting(paths: string[]): Promise<string | undefined> {
  for (const p of paths)
    if (
      await stat(p).then(
        (s) => s.isFile(),
        () => false,
      )
    )
      return p;
  return undefined;
}

/** The folder holding `train/` and `val/`: the root itself, or Kaggle's ILSVRC/Data/CLS-LOC. */
export async function findIlsvrcRoot(src: string): Promise<string | undefined> {
  for (const root of [src, join(src, 'ILSVRC', 'Data', 'CLS-LOC')]) {
    if (!(await isDir(join(root, 'train')))) continue;
    const names = await readdir(join(root, 'train'));
    if (names.some((n) => WNID.test(n))) return root;
  }
  return undefined;
}

/** `<wnid> words…` per line (LOC_synset_mapping.txt, Caffe's synset_words.txt). */
function parseSynsetWords(text: string): Map<string, string> {
  const words = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const match = /^(n\d{8})\s+(.+)$/.exec(line.trim());
    if (match) words.set(match[1]!, match[2]!);
  }
  return words;
}

/** Kaggle's `ImageId,PredictionString` where the prediction string starts with the wnid. */
function parseValSolution(text: string, file: string): Map<string, string> {
  const labels = new Map<string, string>();
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (!/^ImageId,PredictionString/.test(lines[0] ?? '')) throw new Error(`${file}: expected a header "ImageId,PredictionString"`);
  for (const line of lines.slice(1)) {
    const [id, prediction] = line.split(',');
    const wnid = prediction?.trim().split(/\s+/)[0];
    if (id && wnid && WNID.test(wnid)) labels.set(id.trim(), wnid);
  }
  return labels;
}

/** map_clsloc.txt: `<wnid> <ID> <name>` → ID → wnid, and wnid → name. */
function parseClsLocMap(text: string): { byId: Map<number, string>; names: Map<string, string> } {
  const byId = new Map<number, string>();
  const names = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const [wnid, id, name] = line.trim().split(/\s+/);
    if (wnid && WNID.test(wnid) && id) {
      byId.set(Number(id), wnid);
      if (name) names.set(wnid, name.replace(/_/g, ' '));
    }
  }
  return { byId, names };
}

/** val image file name → wnid, from whichever label file the tree has. */
async function readValLabels(
  src: string,
  root: string,
  valFiles: string[],
): Promise<{ labels: Map<string, string>; from: string; names?: Map<string, string> }> {
  const places = [src, root, join(src, 'devkit', 'data'), join(src, 'ILSVRC2012_devkit_t12', 'data'), join(src, 'ILSVRC2015', 'devkit', 'data')];
  const solution = await firstExisting(places.map((p) => join(p, 'LOC_val_solution.csv')));
  if (solution) {
    const byId = parseValSolution(await readText(solution), solution);
    const labels = new Map<string, string>();
    for (const file of valFiles) {
      const wnid = byId.get(file.replace(/\.[^.]+$/, ''));
      if (wnid) labels.set(file, wnid);
    }
    return { labels, from: solution };
  }
  for (const place of places) {
    const names = await readdir(place).catch(() => [] as string[]);
    const truth = names.find((n) => /validation_ground_truth\.txt$/.test(n));
    const map = await firstExisting([join(place, 'map_clsloc.txt')]);
    if (truth === undefined) continue;
    const truthFile = join(place, truth);
    if (map === undefined) throw new Error(`${truthFile} needs map_clsloc.txt beside it to turn class IDs into wnids`);
    const { byId, names: words } = parseClsLocMap(await readText(map));
    const ids = (await readText(truthFile))
      .split(/\r?\n/)
      .filter((l) => l.trim() !== '')
      .map(Number);
    // The ground truth lists one ID per validation image, in file-name order: a count that differs would shift every label.
    const sorted = [...valFiles].sort();
    if (ids.length !== sorted.length) {
      throw new Error(`${truthFile} lists ${ids.length} labels, but ${join(root, 'val')} holds ${sorted.length} images; the labels would not line up`);
    }
    const labels = new Map<string, string>();
    sorted.forEach((file, i) => {
      const wnid = byId.get(ids[i] ?? NaN);
      if (wnid) labels.set(file, wnid);
    });
    return { labels, from: truthFile, names: words };
  }
  throw new Error(
    `${join(root, 'val')} holds images but no labels: expected LOC_val_solution.csv or the devkit's *_validation_ground_truth.txt with map_clsloc.txt`,
  );
}

export async function readIlsvrc(src: string): Promise<IlsvrcListing> {
  const root = await findIlsvrcRoot(src);
  if (root === undefined) throw new Error(`${src} is not an ILSVRC tree (expected train/<wnid>/ folders)`);
  const train = await readClassFolders(join(root, 'train'));
  const classes = train.classes;
  const label = new Map(classes.map((c, i) => [c, i]));
  const rejected: IlsvrcListing['rejected'] = [];
  const val: LabelledFile[] = [];
  let names: Map<string, string> | undefined;

  const valDir = join(root, 'val');
  if (await isDir(valDir)) {
    const entries = await readdir(valDir, { withFileTypes: true });
    if (entries.some((e) => e.isDirectory() && WNID.test(e.name))) {
      // Already sorted into class folders: label by folder, mapped onto the training classes.
      const tree = await readClassFolders(valDir);
      for (const item of tree.items) {
        const wnid = tree.classes[item.label]!;
        const l = label.get(wnid);
        if (l === undefined) rejected.push({ file: item.file, reason: `class ${wnid} has no training folder` });
        else val.push({ file: item.file, label: l });
      }
    } else {
      const files = entries
        .filter((e) => e.isFile() && !e.name.startsWith('.'))
        .map((e) => e.name)
        .sort();
      const found = await readValLabels(src, root, files);
      names = found.names;
      for (const file of files) {
        const wnid = found.labels.get(file);
        const l = wnid === undefined ? undefined : label.get(wnid);
        if (wnid === undefined) rejected.push({ file: join(valDir, file), reason: `no label in ${found.from}` });
        else if (l === undefined) rejected.push({ file: join(valDir, file), reason: `label ${wnid} has no training folder` });
        else val.push({ file: join(valDir, file), label: l });
      }
    }
  }

  const wordsFile = await firstExisting([src, root].flatMap((p) => [join(p, 'LOC_synset_mapping.txt'), join(p, 'synset_words.txt')]));
  if (wordsFile) names = parseSynsetWords(await readText(wordsFile));
  const classNames = names ? classes.map((c) => names!.get(c) ?? c) : undefined;
  return { classes, ...(classNames ? { classNames } : {}), train: train.items, val, rejected };
}
