// Networks: a form checked as you type by POST /api/networks/validate, with a drawing of the layers.
import { api } from './api.js';
import { h, when, empty, errorBox } from './ui.js';

const ACTIVATIONS = ['relu', 'leaky_relu', 'elu', 'tanh', 'sigmoid', 'softplus', 'identity', 'softmax', 'step', 'sign'];
const LOSSES = ['categorical_cross_entropy', 'binary_cross_entropy', 'mean_squared_error', 'huber'];

export async function networksPage(main) {
  const list = h('div');
  main.append(h('h1', {}, 'Networks'), form(list), h('h2', {}, 'Your networks'), list);
  await refresh(list);
}

function form(list) {
  const name = h('input', { id: 'net-name', value: 'iris-mlp' });
  const inputs = h('input', { id: 'net-inputs', type: 'number', min: '1', value: '4' });
  const loss = h('select', { id: 'net-loss' }, LOSSES.map(l => h('option', { value: l }, l)));
  const layerRows = h('div', { id: 'net-layers' });
  const check = h('div', { role: 'status', 'aria-live': 'polite', id: 'net-check' });
  const drawing = h('div.layers', { role: 'img', 'aria-label': 'Drawing of the layers' });
  const save = h('button', { type: 'submit', id: 'net-save' }, 'Save network');
  const result = h('p', { role: 'status' });

  const addLayer = (units, activation) => {
    const u = h('input', { type: 'number', min: '1', value: String(units), 'aria-label': 'Units', oninput: changed });
    const a = h('select', { 'aria-label': 'Activation', onchange: changed }, ACTIVATIONS.map(x => h('option', { value: x }, x)));
    a.value = activation;
    const row = h('div.row.layer-row', {}, h('span.muted', {}, 'Layer'), u, a,
      h('button.quiet', { type: 'button', 'aria-label': 'Remove layer', onclick: () => { row.remove(); changed(); } }, 'Remove'));
    layerRows.append(row);
  };
  const definition = () => ({
    name: name.value || null, inputWidth: +inputs.value, loss: loss.value,
    layers: [...layerRows.querySelectorAll('.layer-row')].map(r => ({ units: +r.querySelector('input').value, activation: r.querySelector('select').value })),
  });

  let timer = 0, seq = 0;
  function changed() { clearTimeout(timer); timer = setTimeout(validate, 250); draw(); }
  async function validate() {
    const mine = ++seq;
    try {
      const r = await api('/api/networks/validate', { method: 'POST', json: definition() });
      if (mine !== seq) return;
      check.replaceChildren(
        h('p', { className: r.valid ? 'ok' : 'error' }, r.valid ? `Valid · ${r.parameterCount?.toLocaleString()} parameters` : 'Not valid yet'),
        r.problems.length ? h('ul.problems.error', {}, r.problems.map(p => h('li', {}, h('code', {}, p.path), ' ', p.message, p.fix ? h('span.muted', {}, ' — ' + p.fix) : null))) : null,
        r.warnings.length ? h('ul.warn', {}, r.warnings.map(w => h('li', {}, w))) : null);
      save.disabled = !r.valid;
    } catch (e) { if (mine === seq) check.replaceChildren(errorBox(e)); }
  }
  function draw() {
    const d = definition();
    const column = (units, cls, label) => h('div.layer', {}, h('div.units', {}, [...Array(Math.min(units || 0, 10)).keys()].map(() => h('i', { className: cls }))),
      units > 10 ? h('span', {}, '⋮') : null, h('span', {}, label));
    drawing.replaceChildren(column(d.inputWidth, 'input', `${d.inputWidth} inputs`),
      ...d.layers.map((l, i) => column(l.units, i === d.layers.length - 1 ? 'output' : '', `${l.units} ${l.activation}`)));
  }
  for (const el of [name, inputs, loss]) el.addEventListener('input', changed);
  addLayer(16, 'relu'); addLayer(3, 'softmax');
  changed();

  return h('form.card', {
    onsubmit: async (e) => {
      e.preventDefault();
      try { const n = await api('/api/networks', { method: 'POST', json: definition() }); result.className = 'ok'; result.textContent = `Saved “${n.name || n.id}”.`; await refresh(list); }
      catch (err) { result.className = 'error'; result.textContent = err.message; }
    },
  }, h('h2', {}, 'Define a network'),
    h('div.row', {}, h('div.field', {}, h('label', { for: 'net-name' }, 'Name'), name), h('div.field', {}, h('label', { for: 'net-inputs' }, 'Inputs'), inputs),
      h('div.field', {}, h('label', { for: 'net-loss' }, 'Loss'), loss)),
    layerRows, h('p', {}, h('button.quiet', { type: 'button', onclick: () => { addLayer(8, 'relu'); changed(); } }, 'Add a layer')),
    drawing, check, save, result);
}

async function refresh(list) {
  try {
    const page = await api('/api/networks?pageSize=100');
    list.replaceChildren(!page.items.length ? empty('No networks yet: define one above.') : h('div.card.scroll', {}, h('table', {},
      h('thead', {}, h('tr', {}, h('th', {}, 'Name'), h('th.num', {}, 'Inputs'), h('th.num', {}, 'Outputs'), h('th.num', {}, 'Layers'), h('th.num', {}, 'Parameters'), h('th.hide-narrow', {}, 'Created'))),
      h('tbody', {}, page.items.map(n => h('tr', {}, h('td', {}, n.name || '—'), h('td.num', {}, n.inputWidth), h('td.num', {}, n.outputWidth), h('td.num', {}, n.layerCount),
        h('td.num', {}, n.parameterCount.toLocaleString()), h('td.hide-narrow', {}, when(n.createdAt))))))));
  } catch (e) { list.replaceChildren(errorBox(e)); }
}
