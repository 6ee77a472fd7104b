// The charts, drawn with uPlot. Each chart keeps the data it drew in `window.optdb.charts`
// under its name ({ x, series: { label: values }, marks }): what the page shows can be
// checked without looking at pixels.
import uPlot from '/assets/uPlot.esm.js';

const HEIGHT = 260;
const COLORS = { call: '#1f77b4', put: '#d62728', third: '#2ca02c', fourth: '#9467bd' };
const drawn = new Map();

function shown(name, x, series, marks = {}) {
  window.optdb.charts[name] = { x, series: Object.fromEntries(series.map((s) => [s.label, s.values])), marks };
}

/**
 * Draws (or redraws) the chart `name` in `element`: `x` values ascending, `series` of
 * `{ label, values, color, scale?, bars? }` (`bars`: drawn as bars, left of the x value
 * (-1), on it (0) or right of it (1)), axis labels by scale, and vertical `marks`
 * ({ label: x value }) drawn as dashed lines.
 */
function draw(name, element, { x, series, xLabel, yLabels = {}, xTime = false, marks = {} }) {
  shown(name, x, series, marks);
  drawn.get(name)?.destroy();
  const scales = [...new Set(series.map((s) => s.scale ?? 'y'))];
  const options = {
    width: Math.max(element.clientWidth, 280),
    height: HEIGHT,
    // One point alone would be spread over years (or the whole axis): a day, or 5 %, either side.
    scales: { x: { time: xTime, ...(x.length === 1 ? { range: () => around(x[0], xTime) } : {}) } },
    // Time axes on the market's clock, as the page writes times.
    tzDate: (seconds) => uPlot.tzDate(new Date(seconds * 1000), 'America/New_York'),
    legend: { live: false },
    cursor: { drag: { x: false, y: false } },
    series: [
      { label: xLabel },
      ...series.map((s) => {
        const bars = s.bars !== undefined;
        return {
          label: s.label,
          stroke: s.color,
          fill: bars ? `${s.color}99` : undefined,
          width: bars ? 0 : 2,
          scale: s.scale ?? 'y',
          spanGaps: true,
          points: { show: !bars && x.length < 60 },
          paths: bars ? uPlot.paths.bars({ size: [0.4, 40], align: s.bars }) : undefined,
        };
      }),
    ],
    axes: [
      { label: xLabel },
      ...scales.map((scale, i) => ({ scale, label: yLabels[scale] ?? '', side: i === 0 ? 3 : 1, grid: { show: i === 0 } })),
    ],
    hooks: { draw: [(u) => drawMarks(u, marks)] },
  };
  const chart = new uPlot(options, [x, ...series.map((s) => s.values)], element);
  drawn.set(name, chart);
}

function around(value, time) {
  const pad = time ? 86_400 : Math.max(Math.abs(value) * 0.05, 1);
  return [value - pad, value + pad];
}

function drawMarks(u, marks) {
  const { ctx } = u;
  ctx.save();
  ctx.setLineDash([6, 4]);
  ctx.strokeStyle = '#555';
  ctx.fillStyle = '#333';
  ctx.font = `${12 * devicePixelRatio}px sans-serif`;
  // Each label on its own line: marks close together (max pain near the price) stay readable.
  Object.entries(marks).forEach(([label, value], i) => {
    if (value === undefined || value === null) return;
    const left = u.valToPos(value, 'x', true);
    ctx.beginPath();
    ctx.moveTo(left, u.bbox.top);
    ctx.lineTo(left, u.bbox.top + u.bbox.height);
    ctx.stroke();
    ctx.fillText(`${label} ${value}`, left + 4, u.bbox.top + (i + 1) * 14 * devicePixelRatio);
  });
  ctx.restore();
}

/** Keeps every chart as wide as its panel. */
export function followWidths() {
  const resize = () => {
    for (const chart of drawn.values()) {
      const width = Math.max(chart.root.parentElement.clientWidth, 280);
      if (width !== chart.width) chart.setSize({ width, height: HEIGHT });
    }
  };
  // Resized in the next frame, not inside the observer's callback: a resize there would be
  // observed again in the same frame, which the browser reports as a loop.
  new ResizeObserver(() => requestAnimationFrame(resize)).observe(document.querySelector('main'));
}

/** Smile: each call's and put's implied volatility by strike (answer of /v1/underlyings/{u}/smile). */
export function drawSmile(element, results) {
  const strikes = [...new Set(results.map((r) => r.strike_price))].sort((a, b) => a - b);
  const of = (type) =>
    strikes.map((strike) => results.find((r) => r.strike_price === strike && r.contract_type === type)?.implied_volatility ?? null);
  draw('smile', element, {
    x: strikes,
    xLabel: 'strike',
    yLabels: { y: 'implied volatility' },
    series: [
      { label: 'calls', values: of('call'), color: COLORS.call },
      { label: 'puts', values: of('put'), color: COLORS.put },
    ],
  });
}

/** Term structure: at-the-money implied volatility by days to expiration. */
export function drawTermStructure(element, results) {
  const rows = results.filter((r) => r.atm_implied_volatility !== undefined);
  draw('term', element, {
    x: rows.map((r) => r.days_to_expiration),
    xLabel: 'days to expiration',
    yLabels: { y: 'ATM implied volatility' },
    series: [{ label: 'ATM IV', values: rows.map((r) => r.atm_implied_volatility), color: COLORS.third }],
  });
}

/** Open interest (bars) and volume (lines) by strike, with max pain and the underlying's price marked. */
export function drawOpenInterest(element, answer) {
  const rows = answer.results;
  draw('oi', element, {
    x: rows.map((r) => r.strike_price),
    xLabel: 'strike',
    yLabels: { y: 'open interest', volume: 'volume' },
    marks: { 'max pain': answer.max_pain, spot: answer.underlying_price },
    series: [
      { label: 'call OI', values: rows.map((r) => r.call_open_interest), color: COLORS.call, bars: -1 },
      { label: 'put OI', values: rows.map((r) => r.put_open_interest), color: COLORS.put, bars: 1 },
      { label: 'call volume', values: rows.map((r) => r.call_volume), color: COLORS.third, scale: 'volume' },
      { label: 'put volume', values: rows.map((r) => r.put_volume), color: COLORS.fourth, scale: 'volume' },
    ],
  });
}

/** A contract's history: midpoint and last price, and implied volatility on its own axis. */
export function drawHistory(element, results) {
  draw('history', element, {
    x: results.map((r) => Date.parse(r.captured_at) / 1000),
    xTime: true,
    xLabel: 'captured',
    yLabels: { y: 'price', iv: 'implied volatility' },
    series: [
      { label: 'midpoint', values: results.map((r) => r.midpoint ?? null), color: COLORS.call },
      { label: 'last', values: results.map((r) => r.last_price ?? null), color: COLORS.fourth },
      { label: 'IV', values: results.map((r) => r.implied_volatility ?? null), color: COLORS.third, scale: 'iv' },
    ],
  });
}

/** A contract's day bars: close, and volume as bars on its own axis. */
export function drawDayBars(element, results) {
  draw('bars', element, {
    x: results.map((r) => r.t / 1000),
    xTime: true,
    xLabel: 'day',
    yLabels: { y: 'close', volume: 'volume' },
    series: [
      { label: 'close', values: results.map((r) => r.c), color: COLORS.call },
      { label: 'volume', values: results.map((r) => r.v), color: COLORS.put, scale: 'volume', bars: 0 },
    ],
  });
}
