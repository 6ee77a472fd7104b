/**
 * The fields of one CSV line. Polygon's flat files hold one record per line and never
 * quote; a quoted field is still read (a file saved by a spreadsheet), but only within its
 * line: a quote left open at the end of the line makes that line malformed, never the
 * lines after it. A general CSV parser (csv-parse) reads a quoted field on across line
 * breaks, so one stray quote would swallow the rest of the file into one record, and it
 * cannot be told to stop at the line; hence this small reader.
 */

/** The fields, or why the line cannot be read. */
export type CsvLine = string[] | { readonly problem: string };

const QUOTE = '"';

export function splitCsvLine(line: string): CsvLine {
  // The common case, no quotes at all.
  if (!line.includes(QUOTE)) return line.split(',');
  const fields: string[] = [];
  let at = 0;
  for (;;) {
    if (line[at] !== QUOTE) {
      // Unquoted: up to the next comma; a quote inside is kept as text.
      const comma = line.indexOf(',', at);
      fields.push(comma === -1 ? line.slice(at) : line.slice(at, comma));
      if (comma === -1) return fields;
      at = comma + 1;
      continue;
    }
    // Quoted: "" is one quote; the field ends at a lone quote.
    const fieldStart = at;
    let value = '';
    let from = at + 1;
    for (;;) {
      const quote = line.indexOf(QUOTE, from);
      if (quote === -1) return { problem: `a quote opened at column ${at + 1} is not closed on this line` };
      value += line.slice(from, quote);
      if (line[quote + 1] === QUOTE) {
        value += QUOTE;
        from = quote + 2;
        continue;
      }
      at = quote + 1;
      break;
    }
    // Text after the closing quote makes the field's whole text its value, quotes and all
    // ("a"x stays "a"x): validation then says what is wrong with it.
    const comma = line.indexOf(',', at);
    const end = comma === -1 ? line.length : comma;
    fields.push(end === at ? value : line.slice(fieldStart, end));
    if (comma === -1) return fields;
    at = comma + 1;
  }
}
