/**
 * PostgreSQL array and hstore literals, quoted the way `array_out` and `hstore_out` print them so
 * that `array_in` / `hstore_in` read back exactly the same elements.
 */

/** An array element's text, SQL NULL, or a nested array (a multidimensional PostgreSQL array). */
export type ArrayElement = string | null | readonly ArrayElement[];

/**
 * array_out quotes an element when it is empty, is `NULL` in any letter case (it would read back as
 * SQL NULL), or contains a double quote, a backslash, a brace, the delimiter or white space
 * (array_isspace: space, \t, \n, \r, \v, \f); inside quotes, `"` and `\` get a backslash.
 */
const NEEDS_QUOTES: Readonly<Record<ArrayDelimiter, RegExp>> = {
  ',': /^$|^null$|["\\{}, \t\n\r\v\f]/i,
  ';': /^$|^null$|["\\{}; \t\n\r\v\f]/i,
};

/** An element type's `typdelim`: a comma for every type but box, whose text holds commas. */
export type ArrayDelimiter = ',' | ';';

/**
 * `{a,NULL,"b c"}`: the text of a one- or multi-dimensional array. The delimiter is the element
 * type's: a comma, or a semicolon for box (`{(1,1),(0,0);(2,2),(1,1)}`).
 */
export function arrayLiteral(elements: readonly ArrayElement[], delimiter: ArrayDelimiter = ','): string {
  const quoting = NEEDS_QUOTES[delimiter];
  const parts = elements.map((element) => {
    if (element === null) return 'NULL';
    if (typeof element === 'string')
      return quoting.test(element) ? `"${element.replace(/["\\]/g, '\\$&')}"` : element;
    return arrayLiteral(element, delimiter);
  });
  return `{${parts.join(delimiter)}}`;
}

/** hstore_out always quotes keys and values and backslash-escapes `"` and `\` in them. */
const quoteHstore = (text: string): string => `"${text.replace(/["\\]/g, '\\$&')}"`;

/** `"k"=>"v", "n"=>NULL`: the text of an hstore from its entries (order is irrelevant to hstore). */
export const hstoreLiteral = (entries: ReadonlyArray<readonly [string, string | null]>): string =>
  entries
    .map(([key, value]) => `${quoteHstore(key)}=>${value === null ? 'NULL' : quoteHstore(value)}`)
    .join(', ');
