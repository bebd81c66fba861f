import { describe, expect, it } from 'vitest';
import { confusionHeatmapPng } from './confusion-heatmap.js';
import { ConfusionMatrix } from './confusion-matrix.js';
import { csvField, escapeXml, terminalText } from './text-escaping.js';

describe('escapeXml', () => {
  it('drops characters XML cannot hold and escapes markup', () => {
    expect(escapeXml('a\u0001b\u001b[31mc\uFFFE<d & "e">\tf')).toBe('ab[31mc&lt;d &amp; &quot;e&quot;&gt;\tf');
    expect(escapeXml('lone \uD800 surrogate, pair \uD83D\uDE00 kept')).toBe('lone  surrogate, pair \uD83D\uDE00 kept');
  });

  it('lets a confusion matrix with control characters in its class names render', async () => {
    const matrix = new ConfusionMatrix(2);
    matrix.add([0, 1], [1, 1]);
    const png = await confusionHeatmapPng(matrix, ['bad\u0001name', 'esc\u001b[2Jape']);
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
  });
});

describe('csvField', () => {
  it('quotes as RFC 4180 says and neutralises spreadsheet formulas', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('=HYPERLINK("http://x")')).toBe('"\'=HYPERLINK(""http://x"")"');
    for (const lead of ['+', '-', '@', '\t']) expect(csvField(`${lead}1`)).toBe(`"'${lead}1"`);
  });
});

describe('terminalText', () => {
  it('shows control and bidi characters escaped', () => {
    expect(terminalText('red \u001b[31m text\u0007')).toBe('red \\x1b[31m text\\x07');
    expect(terminalText('abc\u202Etxt.exe')).toBe('abc\\u202etxt.exe');
    expect(terminalText('line\nbreak')).toBe('line\\x0abreak');
    expect(terminalText('naïve — fine')).toBe('naïve — fine');
  });
});
