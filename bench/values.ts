/** Text forms of the bench table's values, shared by the raw COPY, the naive consumer and the check. */

/** NUMERIC(12,2) from its unscaled value in cents: 123456 → "1234.56". */
export const centsText = (cents: number): string =>
  `${cents < 0 ? '-' : ''}${Math.trunc(Math.abs(cents) / 100)}.${String(Math.abs(cents) % 100).padStart(2, '0')}`;

/** A PostgreSQL timestamp from microseconds since 1970, all six fraction digits kept. */
export function microsText(micros: number): string {
  const millis = Math.floor(micros / 1000);
  const date = new Date(millis).toISOString().replace('T', ' ').replace('Z', '');
  return `${date}${String(micros - millis * 1000).padStart(3, '0')}`;
}
