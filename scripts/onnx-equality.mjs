// Max |tfjs − onnxruntime| of the exported softmax per engine and model, small and full size. Run after `npm run build`: node scripts/onnx-equality.mjs node wasm
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { loadEngine } from '@alexnet/backend';
import { alexNet } from '../packages/app/dist/alexnet.js';
import { alexNetOwt } from '../packages/app/dist/alexnet-owt.js';
import { alexNetToOnnx } from '../packages/app/dist/onnx/onnx-export.js';
import { nhwcToNchw } from '../packages/app/dist/onnx/onnx-layout.js';
const cases = {
  'alexnet 2 columns paper LRN 67 w1/16': () => alexNet({ classes: 7, inputSize: 67, width: 0.0625, init: 'he' }),
  'alexnet 2 columns α/n 224 w1/32': () =>
    alexNet({ classes: 5, inputSize: 224, width: 0.03125, init: 'he', lrn: 'alpha-over-n', conv1Padding: 'paper', pool: 'non-overlapping' }),
  'alexnet 1 column no LRN 67 w1/16': () => alexNet({ classes: 6, inputSize: 67, width: 0.0625, columns: 1, lrn: 'off', init: 'he' }),
  'alexnet-owt 67 w1/16': () => alexNetOwt({ classes: 8, inputSize: 67, width: 0.0625 }),
  'alexnet full 227 1000 classes': () => alexNet({ init: 'he' }),
  'alexnet-owt full 224 1000 classes': () => alexNetOwt({}),
};
for (const engine of process.argv.slice(2)) {
  if ((await loadEngine(engine)).status !== 'used') {
    console.log(engine, 'absent');
    continue;
  }
  for (const [title, build] of Object.entries(cases)) {
    const model = build();
    const side = model.inputs[0].shape[1];
    const n = 2;
    const x = Float32Array.from({ length: n * side * side * 3 }, (_, i) => 2 * Math.sin(0.37 * i + 0.1 * (i % 7)));
    const expected = tf.tidy(() => model.predict(tf.tensor4d(x, [n, side, side, 3])).dataSync());
    const s = await ort.InferenceSession.create(alexNetToOnnx(model));
    const got = (await s.run({ input: new ort.Tensor('float32', nhwcToNchw(x, [n, side, side, 3]), [n, 3, side, side]) })).prob.data;
    let worst = 0;
    for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - expected[i]));
    console.log(`${engine}\t${title}\tmax |Δp| ${worst.toExponential(2)}\tmax p ${Math.max(...expected).toFixed(3)}`);
    await s.release();
    model.dispose();
  }
}
