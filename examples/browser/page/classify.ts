// The page: loads a tfjs model folder (`alexnet export --format tfjs`, or a run's model/ from
// `alexnet train`: model.json + weights, with preprocessing.json, stats.json and the mean image
// beside them) on the engine the query string or the select names, and shows the top-5 classes
// of the picture chosen in the file input.
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
// Registers LRN, grouped convolution and seeded dropout, so model.json's custom layers load.
import '@alexnet/layers';
import { coverSquare, normalizedCenterCrop, PREPROCESSING_FILES, readPreprocessing, rgbOf, topClasses, type Preprocessing } from './preprocessing.js';

const ENGINES = ['wasm', 'webgl', 'cpu'] as const;
type Engine = (typeof ENGINES)[number];
const TOP = 5;

const element = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = element<HTMLParagraphElement>('status');
const engineSelect = element<HTMLSelectElement>('engine');
const fileInput = element<HTMLInputElement>('image');
const preview = element<HTMLCanvasElement>('preview');
const results = element<HTMLTableSectionElement>('top');

/** What the page is doing, for people (the text) and for scripts (body's data-state). */
function show(state: 'loading' | 'ready' | 'classifying' | 'done' | 'error', text: string): void {
  document.body.dataset.state = state;
  status.textContent = text;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const params = new URLSearchParams(location.search);
const asked = params.get('engine') ?? 'wasm';
// The model's folder (a URL ending in /) holding model.json, its weights and the preprocessing files.
const modelBase = new URL((params.get('model') ?? 'model/').replace(/\/?$/, '/'), document.baseURI);

for (const name of ENGINES) engineSelect.add(new Option(name, name, false, name === asked));
engineSelect.addEventListener('change', () => {
  // A fresh page per engine: the model's weights live in the engine that loaded them.
  params.set('engine', engineSelect.value);
  location.search = params.toString();
});

async function startEngine(name: string): Promise<Engine> {
  if (!(ENGINES as readonly string[]).includes(name)) throw new Error(`unknown engine ${name}: use ${ENGINES.join(', ')}`);
  // The .wasm binaries are served beside the page (the build copies them from @tensorflow/tfjs-backend-wasm).
  setWasmPaths(new URL('wasm/', document.baseURI).href);
  // setBackend resolves false (with a console warning) when the engine cannot start here: no silent fallback.
  if (!(await tf.setBackend(name))) throw new Error(`the ${name} engine could not start in this browser; choose another`);
  await tf.ready();
  return name as Engine;
}

interface Loaded {
  preprocessing: Preprocessing;
  logits: tf.LayersModel;
}

async function loadModel(): Promise<Loaded> {
  // The preprocessing first: a folder without it fails with what to do, before the weights download.
  const preprocessing = await readPreprocessing(modelBase);
  const model = await tf.loadLayersModel(new URL('model.json', modelBase).href);
  const [inputSide, outputWidth] = [model.inputs[0]!.shape[1], model.outputs[0]!.shape.at(-1)];
  const file = PREPROCESSING_FILES.preprocessing;
  if (inputSide !== preprocessing.crop)
    throw new Error(`the model takes ${String(inputSide)}×${String(inputSide)} images, but ${file} says crop ${preprocessing.crop}`);
  if (outputWidth !== preprocessing.classes.length)
    throw new Error(`the model has ${String(outputWidth)} outputs, but ${file} lists ${preprocessing.classes.length} classes`);
  // fc8's logits, then softmax, as `alexnet predict` computes it.
  const fc8 = model.layers.find((layer) => layer.name === 'fc8');
  if (!fc8) throw new Error('the model has no fc8 layer; not an AlexNet model');
  return { preprocessing, logits: tf.model({ inputs: model.inputs, outputs: fc8.output as tf.SymbolicTensor }) };
}

/** The picture resized (shorter side) and center-cropped to size×size on the preview canvas, as RGB bytes. */
async function storedPixels(file: File, size: number): Promise<Uint8Array> {
  const bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  try {
    preview.width = preview.height = size;
    const context = preview.getContext('2d', { willReadFrequently: true })!;
    context.fillStyle = '#000';
    context.fillRect(0, 0, size, size);
    context.imageSmoothingEnabled = true;
    context.imageSmoothingQuality = 'high';
    const { left, top, side } = coverSquare(bitmap.width, bitmap.height);
    // A picture of exactly size×size is copied pixel for pixel; any other is resampled by the browser (not sharp's lanczos3).
    context.drawImage(bitmap, left, top, side, side, 0, 0, size, size);
    return rgbOf(context.getImageData(0, 0, size, size).data);
  } finally {
    bitmap.close();
  }
}

async function classify({ preprocessing, logits }: Loaded, file: File): Promise<void> {
  show('classifying', `classifying ${file.name}…`);
  const started = performance.now();
  const pixels = await storedPixels(file, preprocessing.size);
  const { crop } = preprocessing;
  const probabilities = tf.tidy(() => {
    const input = tf.tensor4d(normalizedCenterCrop(pixels, preprocessing), [1, crop, crop, 3]);
    return tf.softmax(logits.predict(input) as tf.Tensor2D).reshape([-1]);
  });
  const p = await probabilities.data();
  probabilities.dispose();
  const milliseconds = performance.now() - started;
  results.replaceChildren(
    ...topClasses(p, Math.min(TOP, p.length)).map((c, rank) => {
      const row = document.createElement('tr');
      row.dataset.class = preprocessing.classes[c]!;
      row.dataset.probability = String(p[c]);
      for (const text of [String(rank + 1), preprocessing.names[c]!, `${(100 * p[c]!).toFixed(2)} %`]) row.insertCell().textContent = text;
      return row;
    }),
  );
  show('done', `${file.name}: ${milliseconds.toFixed(0)} ms on ${tf.getBackend()}`);
}

async function main(): Promise<void> {
  show('loading', `starting the ${asked} engine…`);
  const engine = await startEngine(asked);
  element('engine-used').textContent = tf.getBackend();
  show('loading', `loading ${new URL('model.json', modelBase).pathname} on ${engine}…`);
  const loaded = await loadModel();
  const { size, crop, classes, mean } = loaded.preprocessing;
  show('ready', `ready: ${classes.length} classes, ${size}×${size} pictures, ${crop}×${crop} center crop, mean ${mean}; choose a picture`);
  fileInput.disabled = false;
  fileInput.addEventListener('change', () => {
    const file = fileInput.files?.[0];
    if (file) classify(loaded, file).catch((error: unknown) => show('error', `${file.name}: ${errorText(error)}`));
  });
}

main().catch((error: unknown) => show('error', errorText(error)));
