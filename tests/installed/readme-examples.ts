// The runnable examples of a README, as written. A fenced block is one when its info string says so:
//
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

const FENCE = /^```(\S*)(.*)$/;

export function readmeExamples(markdown: string): ReadmeExample[] {
  const lines = markdown.split('\n');
  const examples: ReadmeExample[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]!);
    if (!open) continue;
    const end = lines.findIndex((line, j) => j > i && line.startsWith('```'));
    if (end < 0) throw new Error(`line ${i + 1}: a code block that is never closed`);
    const [language, words] = [open[1]!, open[2]!.trim().split(/\s+/).filter(Boolean)];
    const code = lines.slice(i + 1, end).join('\n') + '\n';
    const file = words.find((word) => word.startsWith('file='))?.slice('file='.length);
    if (words.includes('output')) {
      const last = examples.at(-1);
      if (!last || last.file !== undefined || last.expectedOutput) throw new Error(`line ${i + 1}: an output block that follows no example`);
      last.expectedOutput = code
        .trimEnd()
        .split('\n')
        .map((line) => line.trimEnd());
    } else if (words.includes('example') || file !== undefined) {
      if (language !== 'ts' && language !== 'sh') throw new Error(`line ${i + 1}: examples are ts or sh, not '${language}'`);
      if (file !== undefined && (language !== 'ts' || !/^[\w-]+\.ts$/.test(file)))
        throw new Error(`line ${i + 1}: file= names a .ts file in the examples' folder`);
      examples.push({ language, file, code, line: i + 1 });
    }
    i = end;
  }
  return examples;
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
