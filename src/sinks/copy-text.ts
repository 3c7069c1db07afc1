/**
 * Rows in COPY's text format (https://www.postgresql.org/docs/current/sql-copy.html, "Text
 * Format"): fields separated by a tab, rows ended by a newline, NULL written as `\N`. Inside a
 * field, backslash, tab, newline and carriage return are backslash-escaped; every other character,
 * emoji included, travels as its UTF-8 bytes. An empty string is an empty field, distinct from `\N`.
 */

/** COPY text's NULL marker. */
export const COPY_NULL = '\\N';

const FIELD_DELIMITER = '\t';
const ROW_END = '\n';

/** The characters COPY text reads specially, and how to write each as data. */
const ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  '\t': '\\t',
  '\n': '\\n',
  '\r': '\\r',
};
const SPECIAL = /[\\\t\n\r]/g;

/** One field: the value escaped, or `\N` for NULL. */
export function copyTextField(value: string | null): string {
  if (value === null) return COPY_NULL;
  return value.replace(SPECIAL, (special) => ESCAPES[special] ?? special);
}

/** One row, newline included. */
export function copyTextRow(values: readonly (string | null)[]): string {
  return values.map(copyTextField).join(FIELD_DELIMITER) + ROW_END;
}
