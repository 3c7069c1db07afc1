import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { ConnectSchema } from '../../src/debezium/connect-schema.js';
import { decodeRecord } from '../../src/debezium/decode-record.js';
import { envelopeSchema, payload, record, userKey, wrapped } from './fixtures.js';

/** real and double precision columns as Kafka Connect's JsonConverter describes them (JsonSchema). */
const floatColumns = [
  { type: 'int32', optional: false, field: 'id' },
  { type: 'float', optional: true, field: 'c_real' },
  { type: 'double', optional: true, field: 'c_double' },
] as const;

describe('ConnectSchema: the type names JsonConverter writes', () => {
  it('reads FLOAT32 and FLOAT64 as JsonConverter spells them ("float", "double"), and the enum names too', () => {
    for (const type of ['float', 'double', 'float32', 'float64']) {
      expect(ConnectSchema.is({ type, optional: true }), type).toBe(true);
    }
    expect(ConnectSchema.is({ type: 'decimal', optional: true })).toBe(false);
  });

  it('decodes a change of a table with real and double precision columns (it was a decode failure)', () => {
    const value = wrapped(
      envelopeSchema(floatColumns),
      payload('c', null, { id: 1, c_real: 3.4028235e38, c_double: 'NaN' }),
    );
    const decoded = decodeRecord(record(userKey(1), value));
    expect(E.isRight(decoded) && decoded.right.kind === 'change' ? decoded.right.after : decoded).toEqual({
      id: '1',
      c_real: '3.4028235e+38',
      c_double: 'NaN',
    });
  });
});
