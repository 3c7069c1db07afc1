/**
 * A record key must name the row its value describes. Kafka orders, partitions and compacts by
 * the key, and the pipeline picks a lane and compacts by it too, while the sink writes the row the
 * value names: a record whose key and value disagree would be ordered as one row and written as
 * another, so it is dead-lettered instead (issue 8, poison records).
 */
import { UNAVAILABLE, type Row } from '../types.js';

/**
 * The first key column whose value the row image contradicts, or undefined when they agree. Only a
 * known value contradicts: a column the image lacks, has as NULL (a delete's before-image under
 * `REPLICA IDENTITY DEFAULT` when `message.key.columns` picks non-key columns) or as unavailable
 * proves nothing either way.
 */
export function disagreeingKeyColumn(key: Row, image: Row): string | undefined {
  for (const column of Object.keys(key)) {
    if (!Object.hasOwn(image, column)) continue;
    const inImage = image[column];
    if (inImage === null || inImage === undefined || inImage === UNAVAILABLE) continue;
    if (inImage !== key[column]) return column;
  }
  return undefined;
}
