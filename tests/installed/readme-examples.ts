// The runnable examples of a README, as written. A fenced block is one when its info string says so:
//
//   ```sh install            `npm install …` lines: what a user installs for this README's examples
//   ```ts example            compiled (tsc, strict) and run, or ```sh example (run by bash)
//   ```ts file=rank.ts       written beside the examples under that name, for one to import; not run
//   ```text output           right after an example: lines its standard output must contain, in order
//
// Any other block (```ts alone) is a fragment and only read by people.

export interface ReadmeExample {
  /** 'ts' examples are compiled by tsc and run by node; 'sh' ones run with bash. */
  language: 'ts' | 'sh';
  /** A file name to write it under, for `file=` blocks; undefined for examples that run. */
  file?: string;
  code: string;
  /** The line in the README where the block starts (1-based), for error messages. */
  line: number;
  /** Lines the run's standard output must contain in this order (from a following output block). */
  expectedOutput?: string[];
}

export interface ReadmeExamples {
  /** The package specs of the README's `npm install` lines, in order. */
  install: string[];
  examples: ReadmeExample[];
}

const FENCE = /^```(\S*)(.*)$/;

export function readmeExamples(markdown: string): ReadmeExamples {
  const lines = markdown.split('\n');
  const result: ReadmeExamples = { install: [], examples: [] };
  let previous: ReadmeExample | undefined; // the block just above, if it was an example
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]!);
    if (!open) continue;
    const end = lines.findIndex((line, j) => j > i && line.startsWith('```'));
    if (end < 0) throw new Error(`line ${i + 1}: a code block that is never closed`);
    const [language, words] = [open[1]!, open[2]!.trim().split(/\s+/).filter(Boolean)];
    const body = lines.slice(i + 1, end);
    const file = words.find((word) => word.startsWith('file='))?.slice('file='.length);
    let block: ReadmeExample | undefined;
    if (words.includes('output')) {
      if (!previous || previous.file !== undefined || previous.expectedOutput) throw new Error(`line ${i + 1}: an output block that follows no example`);
      previous.expectedOutput = body.map((line) => line.trimEnd()).filter((line, j, all) => line !== '' || j < all.length - 1);
    } else if (words.includes('install')) {
      for (const line of body.filter((l) => l.trim() !== '')) {
        const [npm, verb, ...packages] = line.trim().split(/\s+/);
        const valid = npm === 'npm' && verb === 'install' && packages.length > 0 && packages.every((p) => /^[@\w][@\w./-]*$/.test(p));
        if (language !== 'sh' || !valid) throw new Error(`line ${i + 1}: an install block holds only 'npm install <package> …' lines`);
        result.install.push(...packages);
      }
    } else if (words.includes('example') || file !== undefined) {
      if (language !== 'ts' && language !== 'sh') throw new Error(`line ${i + 1}: examples are ts or sh, not '${language}'`);
      if (file !== undefined && (language !== 'ts' || !/^[\w-]+\.ts$/.test(file)))
        throw new Error(`line ${i + 1}: file= names a .ts file in the examples' folder`);
      block = { language, file, code: body.join('\n') + '\n', line: i + 1 };
      result.examples.push(block);
    }
    previous = block;
    i = end;
  }
  return result;
}

/** Whether `output` holds the expected lines in order (other lines may come between them). */
export function containsInOrder(output: string, expected: string[]): boolean {
  const lines = output.split('\n').map((line) => line.trimEnd());
  let at = 0;
  for (const want of expected) {
    at = lines.indexOf(want, at);
    if (at < 0) return false;
    at++;
  }
  return true;
}
