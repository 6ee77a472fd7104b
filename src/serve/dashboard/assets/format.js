// How the page writes numbers and times: prices as stored, volatility in percent, times
// in New York (the market's clock).

const NEW_YORK = new Intl.DateTimeFormat('en-US', {
  timeZone: 'America/New_York',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

/** An RFC 3339 time as `2025-11-20 10:30:00 ET`. */
export function nyTime(text) {
  if (text === undefined || text === null) return '';
  const parts = Object.fromEntries(NEW_YORK.formatToParts(new Date(text)).map((part) => [part.type, part.value]));
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second} ET`;
}

export function price(value) {
  return value === undefined || value === null ? '' : String(value);
}

export function percent(value) {
  return value === undefined || value === null ? '' : `${(value * 100).toFixed(1)}%`;
}

export function fixed(value, digits) {
  return value === undefined || value === null ? '' : value.toFixed(digits);
}

export function count(value) {
  return value === undefined || value === null ? '' : value.toLocaleString('en-US');
}

export function bytes(value) {
  if (value === undefined || value === null) return '';
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let size = value;
  let unit = 0;
  while (size >= 1024 && unit < units.length - 1) {
    size /= 1024;
    unit++;
  }
  return `${size.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

/** A table's rows from a list of cells per row (text, or [text, className]). */
export function fillRows(tbody, rows) {
  tbody.replaceChildren(
    ...rows.map((cells) => {
      const tr = document.createElement('tr');
      for (const cell of cells) {
        const td = document.createElement('td');
        if (cell instanceof Node) td.append(cell);
        else if (Array.isArray(cell)) {
          td.textContent = cell[0];
          td.className = cell[1];
        } else td.textContent = cell;
        tr.append(td);
      }
      return tr;
    }),
  );
}

/** A whole table: a header row and rows. */
export function fillTable(table, header, rows) {
  const head = document.createElement('thead');
  const tr = document.createElement('tr');
  for (const name of header) {
    const th = document.createElement('th');
    th.textContent = name;
    tr.append(th);
  }
  head.append(tr);
  const body = document.createElement('tbody');
  fillRows(body, rows);
  table.replaceChildren(head, body);
}
