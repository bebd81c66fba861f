import { describe, expect, it } from 'vitest';
import { containsInOrder, readmeExamples } from './readme-examples.js';

const fence = '```';

describe('readmeExamples', () => {
  it('takes example, file= and output blocks and leaves fragments alone', () => {
    const markdown = [
      '# pkg',
      `${fence}sh install`,
      'npm install @alexnet/layers @tensorflow/tfjs',
      fence,
      `${fence}ts`,
      'model.add(lrn()); // a fragment',
      fence,
      `${fence}ts file=rank.ts`,
      'export const rank = 1;',
      fence,
      `${fence}ts example`,
      "console.log('a'); console.log('b');",
      fence,
      '',
      `${fence}text output`,
      'a',
      'b',
      fence,
      `${fence}sh example`,
      'npx alexnet --version',
      fence,
    ].join('\n');
    expect(readmeExamples(markdown)).toEqual({
      install: ['@alexnet/layers', '@tensorflow/tfjs'],
      examples: [
        { language: 'ts', file: 'rank.ts', code: 'export const rank = 1;\n', line: 8 },
        { language: 'ts', file: undefined, code: "console.log('a'); console.log('b');\n", line: 11, expectedOutput: ['a', 'b'] },
        { language: 'sh', file: undefined, code: 'npx alexnet --version\n', line: 19 },
      ],
    });
  });

  it('refuses blocks it cannot run, naming the line', () => {
    expect(() => readmeExamples(`${fence}text output\nx\n${fence}`)).toThrow('line 1: an output block that follows no example');
    expect(() => readmeExamples(`${fence}python example\nprint(1)\n${fence}`)).toThrow("line 1: examples are ts or sh, not 'python'");
    expect(() => readmeExamples(`${fence}ts file=../x.ts\n${fence}`)).toThrow('line 1: file= names a .ts file');
    expect(() => readmeExamples(`text\n${fence}ts example\nnever closed`)).toThrow('line 2: a code block that is never closed');
    // An output block belongs to the block right above it: after a fragment it is an error, not the earlier example's.
    expect(() => readmeExamples(`${fence}ts example\nx\n${fence}\n${fence}ts\ny\n${fence}\n${fence}text output\nz\n${fence}`)).toThrow(
      'line 7: an output block that follows no example',
    );
    for (const line of ['npm i x; rm -rf /', 'npm install -D x', `npm install @tensorflow/${'x'.repeat(40)}  # optional`]) {
      expect(() => readmeExamples(`${fence}sh install\n${line}\n${fence}`)).toThrow("line 1: an install block holds only 'npm install <package> …' lines");
    }
  });
});

describe('containsInOrder', () => {
  it('finds the expected lines in order, with other lines between them', () => {
    expect(containsInOrder('banner\na\nnoise\nb  \n', ['a', 'b'])).toBe(true);
    expect(containsInOrder('b\na\n', ['a', 'b'])).toBe(false);
    expect(containsInOrder('a\n', ['a', 'a'])).toBe(false);
    expect(containsInOrder('xa\n', ['a'])).toBe(false);
  });
});
