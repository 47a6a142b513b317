import { describe, expect, it } from 'vitest'
import { csvCell as serverCell, toCsv } from '../../../server/domain/csv.ts'
import { buildCsv, csvCell as webCell } from '../../../web/src/csv.ts'

/**
 * One CSV rule on both sides (server exports and the dashboard's downloads): the two
 * modules must answer the same for every field, formula guard included.
 */
const CASES: Array<[string | number | null | undefined, string]> = [
  ['plain', 'plain'],
  ['a,b', '"a,b"'],
  ['say "hi"', '"say ""hi"""'],
  ['line1\nline2', '"line1\nline2"'],
  [null, ''],
  [undefined, ''],
  [42, '42'],
  [-3, '-3'],
  ['-1.95', '-1.95'],
  ['=1+1', "'=1+1"],
  ['=HYPERLINK("x")', `"'=HYPERLINK(""x"")"`],
  ['+86 138', "'+86 138"],
  ['-2+3', "'-2+3"],
  ['@cmd', "'@cmd"],
  ['\tcmd', "'\tcmd"],
  ['\rcmd', `"'\rcmd"`],
  ['中文', '中文'],
]

describe('CSV fields', () => {
  for (const [value, expected] of CASES) {
    it(`${JSON.stringify(value)} → ${JSON.stringify(expected)} on the server and in the web`, () => {
      expect(serverCell(value)).toBe(expected)
      expect(webCell(value)).toBe(expected)
    })
  }

  it('writes the same file on both sides: header, rows, CRLF after every line', () => {
    const rows = [
      ['1', 'x,y'],
      [null, '=SUM(A1)'],
    ]
    expect(toCsv(['a', 'b'], rows)).toBe('a,b\r\n1,"x,y"\r\n,\'=SUM(A1)\r\n')
    expect(buildCsv(['a', 'b'], rows)).toBe(toCsv(['a', 'b'], rows))
  })
})
