import { describe, expect, it } from 'vitest';
import { COPY_NULL, copyTextField, copyTextRow } from '../../src/sinks/copy-text.js';

describe('copyTextField', () => {
  it('writes NULL as \\N and the empty string as an empty field', () => {
    expect(copyTextField(null)).toBe(COPY_NULL);
    expect(COPY_NULL).toBe('\\N');
    expect(copyTextField('')).toBe('');
  });

  it('escapes backslash, tab, newline and carriage return', () => {
    expect(copyTextField('a\\b')).toBe('a\\\\b');
    expect(copyTextField('a\tb')).toBe('a\\tb');
    expect(copyTextField('a\nb')).toBe('a\\nb');
    expect(copyTextField('a\rb')).toBe('a\\rb');
    expect(copyTextField('\r\n')).toBe('\\r\\n');
  });

  it('keeps a literal \\N text apart from NULL', () => {
    expect(copyTextField('\\N')).toBe('\\\\N');
    expect(copyTextField('\\.')).toBe('\\\\.');
  });

  it('passes other characters through unchanged: emoji, accents, quotes, commas', () => {
    const value = 'Zoë 🐘 "quoted", \'single\' ; 日本語 \u00a0';
    expect(copyTextField(value)).toBe(value);
  });

  it('escapes every occurrence, including consecutive ones', () => {
    expect(copyTextField('\\\\\t\t\n\n')).toBe('\\\\\\\\\\t\\t\\n\\n');
  });
});

describe('copyTextRow', () => {
  it('joins fields with tabs and ends the row with a newline', () => {
    expect(copyTextRow(['1', null, '', 'x\ty'])).toBe('1\t\\N\t\tx\\ty\n');
  });

  it('writes a one-field row', () => {
    expect(copyTextRow([null])).toBe('\\N\n');
  });
});
