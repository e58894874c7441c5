// Calls to the Backprop API with the pasted key (sessionStorage), turning problems into readable errors.
const KEY = 'backprop.apiKey';

export const getKey = () => sessionStorage.getItem(KEY) || '';
export const setKey = (key) => key ? sessionStorage.setItem(KEY, key) : sessionStorage.removeItem(KEY);

export class ApiError extends Error {
  constructor(status, message, problem) { super(message); this.status = status; this.problem = problem; }
}

function headers(extra = {}) {
  const key = getKey();
  return key ? { 'X-Api-Key': key, ...extra } : extra;
}

async function toError(response) {
  let problem = null;
  try { problem = await response.json(); } catch { /* not JSON */ }
  if (response.status === 401) return new ApiError(401, 'The API key is wrong, revoked or missing: paste a valid key above.', problem);
  let message = problem?.detail || problem?.title || `${response.status} ${response.statusText}`;
  if (problem?.errors) message += ' ' + Object.entries(problem.errors).map(([k, v]) => `${k}: ${[].concat(v).join(' ')}`).join('; ');
  return new ApiError(response.status, message, problem);
}

export async function api(path, { method = 'GET', json, body, contentType, accept = 'application/json', signal } = {}) {
  const init = { method, headers: headers({ Accept: accept }), signal };
  if (json !== undefined) { init.body = JSON.stringify(json); init.headers['Content-Type'] = 'application/json'; }
  else if (body !== undefined) { init.body = body; if (contentType) init.headers['Content-Type'] = contentType; }
  const response = await fetch(path, init);
  if (!response.ok) throw await toError(response);
  if (response.status === 204) return null;
  const type = response.headers.get('Content-Type') || '';
  return type.includes('json') ? response.json() : response.text();
}

// Server-sent events over fetch (EventSource cannot send the key header). Calls onEvent({type, id, data}) until the
// stream ends or the signal aborts; resumes with Last-Event-ID after a dropped connection.
export async function streamEvents(path, onEvent, signal) {
  let lastId = null;
  for (let attempt = 0; !signal.aborted; attempt++) {
    try {
      const response = await fetch(path, { headers: headers(lastId ? { 'Last-Event-ID': lastId, Accept: 'text/event-stream' } : { Accept: 'text/event-stream' }), signal });
      if (!response.ok) throw await toError(response);
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '', ended = false;
      let event = { type: 'message', id: null, data: '' };
      while (!ended) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let newline;
        while ((newline = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, newline).replace(/\r$/, '');
          buffer = buffer.slice(newline + 1);
          if (line === '') {
            if (event.data) {
              if (event.id) lastId = event.id;
              const data = JSON.parse(event.data);
              onEvent({ type: event.type, id: event.id, data });
              if (event.type === 'status' && ['succeeded', 'failed', 'cancelled'].includes(data.status)) ended = true;
            }
            event = { type: 'message', id: null, data: '' };
          } else if (!line.startsWith(':')) {
            const colon = line.indexOf(':');
            const field = colon < 0 ? line : line.slice(0, colon);
            const val = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
            if (field === 'event') event.type = val; else if (field === 'id') event.id = val; else if (field === 'data') event.data += val;
          }
        }
      }
      if (ended) return;
    } catch (e) {
      if (signal.aborted) return;
      if (e instanceof ApiError && e.status < 500) throw e;
    }
    await new Promise(r => setTimeout(r, Math.min(5000, 500 * (attempt + 1))));
  }
}
