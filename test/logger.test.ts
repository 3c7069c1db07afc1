/** Which log format the logger picks: pretty only where it can be and where a person reads it. */
import { describe, expect, it } from 'vitest';
import { chosenFormat, createLogger, prettyAvailable } from '../src/logger.js';

describe('createLogger', () => {
  it('finds pino-pretty in the project (a development dependency)', () => {
    expect(prettyAvailable()).toBe(true);
  });

  it('auto: pretty only on a terminal with pino-pretty installed, JSON otherwise', () => {
    const installed = (): boolean => true;
    const missing = (): boolean => false;
    expect(chosenFormat({ format: 'auto', isTty: true, canPretty: installed })).toBe('pretty');
    expect(chosenFormat({ format: 'auto', isTty: false, canPretty: installed })).toBe('json');
    expect(chosenFormat({ format: 'auto', isTty: true, canPretty: missing })).toBe('json');
    expect(chosenFormat({ format: 'json', isTty: true, canPretty: installed })).toBe('json');
    expect(chosenFormat({ format: 'pretty', isTty: false, canPretty: installed })).toBe('pretty');
  });

  it('pretty without pino-pretty logs JSON after one line that says so', () => {
    const lines: string[] = [];
    const logger = createLogger({
      format: 'pretty',
      canPretty: () => false,
      destination: { write: (line: string) => lines.push(line) },
    });
    logger.info('hello');
    const parsed = lines.map((line) => JSON.parse(line) as { level: number; msg: string });
    expect(parsed.map(({ msg }) => msg)).toEqual([
      'LOG_FORMAT=pretty needs the pino-pretty package, which is not installed: logging JSON',
      'hello',
    ]);
  });
});
