/**
 * CSV as the exports write it: RFC 4180 fields, CRLF line ends. The same rules as the
 * web's web/src/csv.ts (keep the two alike):
 *   - a field is quoted when it holds a comma, a double quote, CR or LF; quotes doubled;
 *   - formula injection (OWASP "CSV injection"): a field a spreadsheet would run, one that
 *     starts with = + - @, a tab or CR, gets a leading apostrophe, unless it is a plain
 *     decimal number such as -1.95, which must stay a number.
 * Pure.
 */
export type CsvValue = string | number | null | undefined

const FORMULA_START = /^[=+\-@\t\r]/
const PLAIN_NUMBER = /^-?\d+(\.\d+)?$/

export function csvCell(value: CsvValue): string {
  let s = value === null || value === undefined ? '' : String(value)
  if (FORMULA_START.test(s) && !PLAIN_NUMBER.test(s)) s = `'${s}`
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

/** CSV lines, each ended by CRLF (for an export written in pages). */
export function csvRows(rows: ReadonlyArray<ReadonlyArray<CsvValue>>): string {
  return rows.map((r) => r.map(csvCell).join(',') + '\r\n').join('')
}

export function toCsv(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<CsvValue>>): string {
  return csvRows([header, ...rows])
}
