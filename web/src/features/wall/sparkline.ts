// SVG sparkline geometry for the wall tiles. Pure: no DOM, no Vue.

/**
 * Path `d` of a polyline through `values` spread evenly over a width × height box
 * (y grows downwards; the lowest value sits on the bottom edge, the highest on the top,
 * with `pad` left free at both). Null values (gaps) break the line. A flat series is
 * drawn along the middle. Returns '' when fewer than two values are known.
 */
export function sparklinePath(values: ReadonlyArray<number | null>, width: number, height: number, pad = 2): string {
  const known = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (known.length < 2 || values.length < 2) return '';
  const min = Math.min(...known);
  const max = Math.max(...known);
  const span = max - min;
  const usable = Math.max(0, height - 2 * pad);
  const step = width / (values.length - 1);
  const y = (v: number) => (span === 0 ? height / 2 : pad + usable * (1 - (v - min) / span));
  const r = (n: number) => Math.round(n * 10) / 10;
  let d = '';
  let penDown = false;
  values.forEach((v, i) => {
    if (v === null || !Number.isFinite(v)) {
      penDown = false;
      return;
    }
    d += `${penDown ? 'L' : d ? ' M' : 'M'}${r(i * step)},${r(y(v))}`;
    penDown = true;
  });
  return d;
}
