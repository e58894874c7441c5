// Small DOM helpers: h('tag.class', {attrs}, ...children), escaping by construction (text nodes, never innerHTML).
export function h(spec, attrs = {}, ...children) {
  const [tag, ...classes] = spec.split('.');
  const el = document.createElement(tag || 'div');
  if (classes.length) el.className = classes.join(' ');
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'style') Object.assign(el.style, v);
    else if (k in el && typeof v !== 'string') el[k] = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

export const fmt = (v, digits = 4) => v === null || v === undefined ? '—' : typeof v === 'number' ? (Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(2) : +v.toFixed(digits) + '') : String(v);
export const pct = (v) => v === null || v === undefined ? '—' : (v * 100).toFixed(1) + ' %';
export const when = (iso) => iso ? new Date(iso).toLocaleString() : '—';
export function duration(seconds) {
  if (seconds === null || seconds === undefined) return '—';
  if (seconds < 1) return '< 1 s';
  const s = Math.round(seconds), m = Math.floor(s / 60), hr = Math.floor(m / 60);
  return hr ? `${hr} h ${m % 60} min` : m ? `${m} min ${s % 60} s` : `${s} s`;
}
export const badge = (status) => h('span.badge.' + status, {}, status);
export const empty = (text, ...more) => h('div.empty', {}, text, ...more);
export const errorBox = (e) => h('p.error', { role: 'alert' }, e.message || String(e));
export function progressBar(done, total, label) {
  const share = total ? Math.max(0, Math.min(1, done / total)) : 0;
  return h('div.bar', { role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': String(total), 'aria-valuenow': String(done), 'aria-label': label },
    h('span', { style: { width: (share * 100).toFixed(1) + '%' } }));
}
