// Requests to optdb serve from the page: JSON answers, and the stream of ingest events.
// When the server asks for a token (OPTDB_API_TOKEN), the page asks the user once and
// keeps it for this tab only (sessionStorage), sending it as `Authorization: Bearer`.

const TOKEN_KEY = 'optdb-token';

function headers() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  return token === null ? {} : { authorization: `Bearer ${token}` };
}

/** GET a path of this server; its JSON answer, or an Error with the server's message. */
export async function getJson(path, params = {}) {
  const query = new URLSearchParams(Object.entries(params).filter(([, value]) => value !== undefined && value !== ''));
  const url = query.size === 0 ? path : `${path}?${query}`;
  const response = await fetch(url, { headers: headers() });
  if (response.status === 401 && askToken()) return getJson(path, params);
  const body = await response.json();
  if (!response.ok) throw new Error(body.error ?? `${response.status} ${response.statusText}`);
  return body;
}

function askToken() {
  const token = window.prompt('This optdb server needs its token (OPTDB_API_TOKEN):');
  if (token === null || token === '') return false;
  sessionStorage.setItem(TOKEN_KEY, token.trim());
  return true;
}

/**
 * Listens to /v1/events (server-sent events) and calls `onEvent(data)` for each, with
 * `onState(connected)` as the stream opens and drops; reconnects after a pause. Read with
 * fetch rather than EventSource, which cannot send the token.
 */
export function listen(onEvent, onState, retryMs = 5000) {
  const connect = async () => {
    try {
      const response = await fetch('/v1/events', { headers: { ...headers(), accept: 'text/event-stream' } });
      if (!response.ok || response.body === null) throw new Error(`${response.status}`);
      onState(true);
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffered = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffered += value;
        let end;
        while ((end = buffered.indexOf('\n\n')) !== -1) {
          const message = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          const data = message
            .split('\n')
            .filter((line) => line.startsWith('data:'))
            .map((line) => line.slice(5).trim())
            .join('\n');
          if (data !== '') onEvent(JSON.parse(data));
        }
      }
    } catch {
      // The server stopped or restarted: the page keeps what it shows and tries again.
    }
    onState(false);
    setTimeout(connect, retryMs);
  };
  connect();
}
