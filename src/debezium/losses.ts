/**
 * What Debezium's encoding loses before the pipeline sees a value, and what the decoder does about
 * it (issue 16: never write a guess). A value is written only when its exact text can be rebuilt;
 * otherwise the change is refused (a decode Failure whose reason names Debezium's limit and the
 * way out), unless the user accepted that loss by name (`acceptLosses`, PIPELINE_ACCEPT_LOSSES),
 * in which case Debezium's form is written and docs/data-fidelity.md says what differs.
 *
 * Losses no decoder can see (a NULL that stands for a lost value, indistinguishable from a real
 * NULL) are not here: docs/data-fidelity.md lists them.
 */

/** The losses a user may accept by name; each is refused unless accepted. */
export const DEBEZIUM_LOSSES = ['timetz-offset', 'varbit-length'] as const;
export type DebeziumLoss = (typeof DEBEZIUM_LOSSES)[number];

/** The reason a value of each accepted-or-refused loss is refused. */
export const LOSS_REASONS: Readonly<Record<DebeziumLoss, string>> = {
  'timetz-offset':
    'timetz: Debezium sends the time moved to UTC without its offset (io.debezium.time.ZonedTime), so the ' +
    'source value cannot be rebuilt; to write the UTC time instead, accept the loss with ' +
    'PIPELINE_ACCEPT_LOSSES=timetz-offset',
  'varbit-length':
    'varbit: Debezium sends the bits without their count (io.debezium.data.Bits carries the declared maximum ' +
    'length), so leading zeros are lost and the source value cannot be rebuilt; to write it padded with ' +
    'zeros to the declared length instead, accept the loss with PIPELINE_ACCEPT_LOSSES=varbit-length',
};

/** Reasons for values Debezium never carries, whatever the options: no opt-in can write them. */
export const NEVER_CARRIED = {
  bitArray:
    'bit and varbit arrays: Debezium sends null for every value (io.debezium.data.Bits over an array type); ' +
    'leave the column out of the connector (column.exclude.list) to apply the rest of the row',
  /** Found on the stack (issue 16): `'1 2 3'::int2vector` arrives as `[]`, an empty one as null. */
  vectorType:
    'int2vector and oidvector: Debezium sends an empty array whatever the value, and null for an empty ' +
    'one, so not even a null can be trusted; leave the column out of the connector (column.exclude.list) ' +
    'to apply the rest of the row',
  streamedName:
    'name: a streamed change carries null for every name column unless the connector sets ' +
    'include.unknown.datatypes=true; set it, and tell the decoder (includeUnknownDatatypes, ' +
    'PIPELINE_INCLUDE_UNKNOWN_DATATYPES=true) so that a null is taken as a real NULL',
  unsizedBits:
    'io.debezium.data.Bits without a propagated source type cannot be told from a varbit whose leading ' +
    'zeros Debezium dropped: set column.propagate.source.type on the connector',
} as const;
