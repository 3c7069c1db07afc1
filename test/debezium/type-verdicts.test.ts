import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TYPE_VERDICTS, typeVerdict, verdictKey } from '../../src/debezium/type-verdicts.js';

describe('verdictKey', () => {
  it('names a type as format_type prints it, without its schema', () => {
    expect(verdictKey('public.hstore')).toBe('hstore');
    expect(verdictKey('"My Schema".hstore[]')).toBe('hstore[]');
    expect(verdictKey('"char"[]')).toBe('"char"[]');
    expect(verdictKey('timestamp with time zone[]')).toBe('timestamp with time zone[]');
  });

  it('names user-defined types by kind (enum, domain, composite), arrays too', () => {
    expect(verdictKey('s.hue', 'e')).toBe('enum');
    expect(verdictKey('s.hue[]', 'e')).toBe('enum[]');
    expect(verdictKey('s.dtext[]', 'd')).toBe('domain[]');
    expect(verdictKey('s.pair', 'c')).toBe('composite');
  });
});

describe('typeVerdict', () => {
  it('gives each of the three states', () => {
    expect(typeVerdict('hstore')?.state).toBe('exact');
    expect(typeVerdict('bit varying')?.state).toBe('refused');
    expect(typeVerdict('money[]')?.state).toBe('lost');
  });

  it('names the values an exact type still loses', () => {
    expect(typeVerdict('ltree[]')).toEqual({
      state: 'exact',
      except: 'an array holding a NULL element arrives as NULL',
    });
    expect(typeVerdict('integer')?.except).toBe('');
  });

  it('has no verdict for a type nobody tested, nor for inherited object keys', () => {
    expect(typeVerdict('geometry')).toBeUndefined();
    expect(typeVerdict('constructor')).toBeUndefined();
  });
});

describe('docs/data-fidelity.md', () => {
  const docs = readFileSync(new URL('../../docs/data-fidelity.md', import.meta.url), 'utf8');
  const section = docs.slice(docs.indexOf('### Verdicts by type'));

  it('lists every verdict of TYPE_VERDICTS under its state', () => {
    const listed = (state: string): string =>
      section
        .split('\n')
        .filter((line) => line.startsWith(`| ${state}`))
        .join('\n');
    const missing = Object.entries(TYPE_VERDICTS)
      .filter(([key, { state }]) => !listed(state).includes(`\`${key}\``))
      .map(([key, { state }]) => `${state}: ${key}`);
    expect(missing).toEqual([]);
  });
});
