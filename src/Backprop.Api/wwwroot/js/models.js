// Models: the list, import, and a model page with metrics, a confusion-matrix heat map, a prediction form and export.
import { api } from './api.js';
import { h, fmt, pct, when, empty, errorBox } from './ui.js';

export async function modelsPage(main) {
  const list = h('div');
  main.append(h('h1', {}, 'Models'), importForm(list), h('h2', {}, 'Your models'), list);
  await refresh(list);
}

async function refresh(list) {
  try {
    const page = await api('/api/models?pageSize=100');
    list.replaceChildren(!page.items.length ? empty('No models yet: a job that succeeds stores one, or import one above.') : h('div.card.scroll', {}, h('table', {},
      h('thead', {}, h('tr', {}, h('th', {}, 'Name'), h('th', {}, 'Task'), h('th.num', {}, 'Accuracy / RMSE'), h('th.num', {}, 'Parameters'), h('th.hide-narrow', {}, 'Created'))),
      h('tbody', {}, page.items.map(m => h('tr', {}, h('td', {}, h('a', { href: `#/models/${m.id}` }, m.name || m.id.slice(0, 8))), h('td', {}, m.task),
        h('td.num', {}, m.accuracy !== null ? pct(m.accuracy) : fmt(m.rmse)), h('td.num', {}, m.parameterCount.toLocaleString()), h('td.hide-narrow', {}, when(m.createdAt))))))));
  } catch (e) { list.replaceChildren(errorBox(e)); }
}

function importForm(list) {
  const file = h('input', { type: 'file', accept: '.json,application/json', id: 'import-file' });
  const status = h('p', { role: 'status' });
  return h('form.card', {
    onsubmit: async (e) => {
      e.preventDefault();
      if (!file.files[0]) { status.textContent = 'Choose an exported model file first.'; return; }
      try {
        const model = JSON.parse(await file.files[0].text());
        const created = await api('/api/models/import', { method: 'POST', json: { name: file.files[0].name.replace(/\.json$/, ''), model } });
        status.className = 'ok'; status.textContent = 'Imported.'; await refresh(list); location.hash = `#/models/${created.id}`;
      } catch (err) { status.className = 'error'; status.textContent = err.message; }
    },
  }, h('h2', {}, 'Import a model'), h('div.row', {}, h('label', { for: 'import-file' }, 'Model JSON (as exported)'), file, h('button', { type: 'submit' }, 'Import')), status);
}

export async function modelPage(main, id) {
  const m = await api(`/api/models/${id}`);
  const metrics = m.metrics;
  main.append(h('p', {}, h('a', { href: '#/models' }, '← All models')),
    h('div.card', {}, h('h1', {}, m.name || 'Model'),
      h('div.stats', {},
        h('div', {}, h('span.muted', {}, 'Task'), h('b', {}, m.task)),
        h('div', {}, h('span.muted', {}, 'Parameters'), h('b', {}, m.parameterCount.toLocaleString())),
        metrics?.accuracy !== null && metrics?.accuracy !== undefined ? h('div', {}, h('span.muted', {}, 'Accuracy'), h('b', { id: 'model-accuracy' }, pct(metrics.accuracy))) : null,
        metrics?.rmse !== null && metrics?.rmse !== undefined ? h('div', {}, h('span.muted', {}, 'RMSE'), h('b', {}, fmt(metrics.rmse))) : null,
        metrics?.r2 !== null && metrics?.r2 !== undefined ? h('div', {}, h('span.muted', {}, 'R²'), h('b', {}, fmt(metrics.r2))) : null,
        metrics ? h('div', {}, h('span.muted', {}, 'Evaluated on'), h('b', {}, `${metrics.evaluatedOn.replace('_', ' ')} (${metrics.rows} rows)`)) : null),
      h('p', {}, h('button.quiet', { type: 'button', id: 'model-export', onclick: () => exportModel(m) }, 'Export (JSON)'),
        m.lineage?.jobId ? h('span', {}, ' ', h('a', { href: `#/jobs/${m.lineage.jobId}` }, 'Training job')) : null)),
    h('div.grid', {}, metrics?.confusionMatrix ? confusion(metrics.confusionMatrix, m.classNames) : h('div.card', {}, h('h2', {}, 'Confusion matrix'), empty('Only classification models have one.')),
      predictForm(m)));
}

async function exportModel(m) {
  const json = await api(`/api/models/${m.id}/weights`);
  const url = URL.createObjectURL(new Blob([JSON.stringify(json, null, 1)], { type: 'application/json' }));
  const a = h('a', { href: url, download: `${(m.name || 'model').replace(/[^\w.-]+/g, '-')}.json` });
  document.body.append(a); a.click(); a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function confusion(matrix, names) {
  const labels = names || matrix.map((_, i) => String(i));
  const max = Math.max(1, ...matrix.flat());
  return h('section.card', { id: 'confusion' }, h('h2', {}, 'Confusion matrix'), h('p.muted', {}, 'Rows: true class · columns: predicted class'),
    h('div.scroll', {}, h('table.heat', {}, h('thead', {}, h('tr', {}, h('th', {}, ''), labels.map(l => h('th', { scope: 'col' }, l)))),
      h('tbody', {}, matrix.map((row, i) => h('tr', {}, h('th', { scope: 'row' }, labels[i]), row.map((v, j) => {
        const t = v / max;
        const color = i === j ? `rgba(36, 86, 201, ${0.08 + 0.8 * t})` : `rgba(179, 38, 30, ${v ? 0.1 + 0.7 * t : 0})`;
        return h('td', { style: { background: color, color: t > 0.55 ? '#fff' : 'inherit' }, title: `${v} rows of ${labels[i]} predicted as ${labels[j]}` }, v);
      })))))));
}

function predictForm(m) {
  const inputs = m.featureNames.map((f, i) => h('input', { type: 'number', step: 'any', required: true, id: `feature-${i}`, 'aria-label': f }));
  const out = h('div', { role: 'status', id: 'prediction' });
  return h('form.card', {
    onsubmit: async (e) => {
      e.preventDefault();
      try {
        const r = await api(`/api/models/${m.id}/predict`, { method: 'POST', json: { rows: [inputs.map(i => +i.value)] } });
        const p = r.predictions[0];
        out.replaceChildren(p.label !== null && p.label !== undefined
          ? h('div', {}, h('p', {}, 'Predicted: ', h('b', { id: 'predicted-label' }, p.label)),
            p.probabilities ? h('table', {}, h('tbody', {}, Object.entries(p.probabilities).map(([k, v]) => h('tr', {}, h('td', {}, k), h('td.num', {}, pct(v)))))) : null)
          : h('p', {}, 'Predicted: ', h('b', { id: 'predicted-label' }, (p.values || []).map(v => fmt(v)).join(', '))));
      } catch (err) { out.replaceChildren(errorBox(err)); }
    },
  }, h('h2', {}, 'Predict'), h('p.muted', {}, 'In the dataset’s own units; the model applies its stored normalisation.'),
    h('div.grid', {}, m.featureNames.map((f, i) => h('div.field', {}, h('label', { for: `feature-${i}` }, f), inputs[i]))),
    h('button', { type: 'submit', id: 'predict' }, 'Predict'), out);
}
