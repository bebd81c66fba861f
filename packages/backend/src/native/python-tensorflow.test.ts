import { describe, expect, it } from 'vitest';
import { fakeSitePackages, temporaryFolder } from '@alexnet/test-support';
import { findPythonTensorFlow } from './python-tensorflow.js';

describe('findPythonTensorFlow', () => {
  it('finds the TensorFlow a Python interpreter would import, without importing it', async () => {
    const site = await temporaryFolder('py-site');
    const tensorflow = await fakeSitePackages(site, { distribution: 'tensorflow', version: '2.20.0', cuda: true });
    const found = await findPythonTensorFlow(['python3'], undefined, { ...process.env, PYTHONPATH: site });
    expect(found).toMatchObject({ libDir: tensorflow, distribution: 'tensorflow', version: '2.20.0', variant: 'cuda', cuda: { cuda: '12.5.1', cudnn: '9' } });
    expect(found?.origin).toBe(`Python TensorFlow of python3 at ${tensorflow}`);
  });

  it('returns null when no interpreter runs', async () => {
    expect(await findPythonTensorFlow(['/nonexistent/python3'])).toBeNull();
  });
});
