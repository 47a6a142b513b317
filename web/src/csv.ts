// CSV as the dashboard's exports write it: RFC 4180 fields, CRLF line ends. The same rules
// as the server's server/domain/csv.ts (keep the two alike):
//   - a field is quoted when it holds a comma, a double quote, CR or LF; quotes doubled;
//   - formula injection (OWASP "CSV injection"): a field a spreadsheet would run, one that
//     starts with = + - @, a tab or CR, gets a leading apostrophe, unless it is a plain
//     decimal number such as -3, which must stay a number.
// Pure: no DOM, no Vue (downloading is features/sla/download.ts).

export type CsvValue = string | number | null | undefined;

const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^-?\d+(\.\d+)?$/;

/** One CSV field. */
export function csvCell(value: CsvValue): string {
  let s = value === null || value === undefined ? '' : String(value);
  if (FORMULA_START.test(s) && !PLAIN_NUMBER.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A header and rows, each line ended by CRLF. */
export function buildCsv(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<CsvValue>>): string {
  return [header, ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
