// Datasets: drag-and-drop CSV upload, the list, and a profile with a small histogram per column and the class balance.
import { api } from './api.js';
import { h, fmt, when, empty, errorBox } from './ui.js';

export async function datasetsPage(main) {
  const list = h('div');
  const profile = h('div', { id: 'dataset-profile' });
  main.append(h('h1', {}, 'Datasets'), uploadCard(list, profile), profile, h('h2', {}, 'Your datasets'), list);
  await refresh(list, profile);
}

function uploadCard(list, profile) {
  const file = h('input', { type: 'file', accept: '.csv,text/csv', id: 'dataset-file', hidden: true });
  const name = h('input', { id: 'dataset-name', required: true });
  const target = h('select', { id: 'dataset-target' });
  const task = h('select', { id: 'dataset-task' }, h('option', { value: '' }, 'infer'), h('option', { value: 'classification' }, 'classification'), h('option', { value: 'regression' }, 'regression'));
  const status = h('p', { role: 'status' });
  const send = h('button', { type: 'submit', disabled: true }, 'Upload');
  let text = null;
  const drop = h('div.drop', { tabindex: '0', role: 'button', 'aria-label': 'Choose or drop a CSV file' }, 'Drop a CSV file here, or press Enter to choose one');

  async function take(f) {
    if (!f) return;
    text = await f.text();
    const header = text.split(/\r?\n/, 1)[0].split(',').map(s => s.trim().replace(/^"|"$/g, ''));
    target.replaceChildren(...header.map(c => h('option', { value: c }, c)));
    target.value = header[header.length - 1];
    name.value = f.name.replace(/\.csv$/i, '');
    drop.textContent = `${f.name} (${(f.size / 1024).toFixed(1)} KiB, ${header.length} columns)`;
    send.disabled = false;
  }
  file.addEventListener('change', () => take(file.files[0]));
  drop.addEventListener('click', () => file.click());
  drop.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); file.click(); } });
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => { e.preventDefault(); drop.classList.remove('over'); take(e.dataTransfer.files[0]); });

  const form = h('form.card', {
    onsubmit: async (e) => {
      e.preventDefault();
      send.disabled = true;
      status.className = ''; status.textContent = 'Uploading…';
      try {
        const q = new URLSearchParams({ name: name.value, targetColumn: target.value });
        if (task.value) q.set('task', task.value);
        const created = await api('/api/datasets?' + q, { method: 'POST', body: text, contentType: 'text/csv' });
        status.className = 'ok'; status.textContent = `Stored “${created.name}”: ${created.rowCount} rows, ${created.featureCount} features.`;
        await refresh(list, profile);
        await showProfile(profile, created.id);
      } catch (err) { status.className = 'error'; status.textContent = err.message; }
      finally { send.disabled = false; }
    },
  }, h('h2', {}, 'Upload a CSV'), drop, file,
    h('div.row', {}, h('div.field', {}, h('label', { for: 'dataset-name' }, 'Name'), name),
      h('div.field', {}, h('label', { for: 'dataset-target' }, 'Target column'), target),
      h('div.field', {}, h('label', { for: 'dataset-task' }, 'Task'), task), h('div.field', {}, send)), status);
  return form;
}

async function refresh(list, profile) {
  list.replaceChildren();
  try {
    const page = await api('/api/datasets?pageSize=100');
    if (!page.items.length) { list.append(empty('No datasets yet: upload a CSV above (samples/iris.csv in the repository is a good start).')); return; }
    list.append(h('div.card.scroll', {}, h('table', {},
      h('thead', {}, h('tr', {}, h('th', {}, 'Name'), h('th', {}, 'Task'), h('th', {}, 'Target'), h('th.num', {}, 'Rows'), h('th.num', {}, 'Features'), h('th.hide-narrow', {}, 'Created'))),
      h('tbody', {}, page.items.map(d => h('tr', {},
        h('td', {}, h('a', { href: '#/datasets', onclick: (e) => { e.preventDefault(); showProfile(profile, d.id); } }, d.name)),
        h('td', {}, d.task), h('td', {}, d.targetColumn), h('td.num', {}, d.rowCount), h('td.num', {}, d.featureCount), h('td.hide-narrow', {}, when(d.createdAt))))))));
  } catch (e) { list.append(errorBox(e)); }
}

async function showProfile(profile, id) {
  profile.replaceChildren(h('p.muted', {}, 'Loading profile…'));
  try {
    const [d, rows] = await Promise.all([api(`/api/datasets/${id}`), api(`/api/datasets/${id}/rows?limit=1000`)]);
    const byColumn = Object.fromEntries(rows.columns.map((c, i) => [c, rows.rows.map(r => r[i])]));
    const card = h('section.card', { 'aria-label': 'Dataset profile' }, h('h2', {}, `Profile of “${d.name}”`),
      h('p.muted', {}, `${d.rowCount} rows · ${d.task} on “${d.targetColumn}” · histograms of the first ${rows.rows.length} rows`),
      d.warnings.length ? h('ul.warn', {}, d.warnings.map(w => h('li', {}, w))) : null,
      h('div.scroll', {}, h('table', {}, h('thead', {}, h('tr', {}, ['Column', 'Role', 'Type', 'Mean', 'Std', 'Min', 'Max', 'Missing', 'Histogram'].map((t, i) => h(i >= 3 && i <= 7 ? 'th.num' : 'th', {}, t)))),
        h('tbody', {}, d.columns.map(c => h('tr', {}, h('td', {}, c.name), h('td', {}, c.role), h('td', {}, c.type),
          h('td.num', {}, fmt(c.mean)), h('td.num', {}, fmt(c.std)), h('td.num', {}, fmt(c.min)), h('td.num', {}, fmt(c.max)), h('td.num', {}, c.missing),
          h('td', {}, histogram(byColumn[c.name] || []))))))));
    if (d.classes?.length) card.append(h('h2', {}, 'Class balance'), classBalance(d.classes));
    profile.replaceChildren(card);
  } catch (e) { profile.replaceChildren(errorBox(e)); }
}

function histogram(values) {
  const xs = values.filter(v => typeof v === 'number' && isFinite(v));
  if (!xs.length) return h('span.muted', {}, '—');
  const min = Math.min(...xs), max = Math.max(...xs), bins = new Array(12).fill(0);
  for (const x of xs) bins[max === min ? 0 : Math.min(11, Math.floor((x - min) / (max - min) * 12))]++;
  const top = Math.max(...bins);
  return h('div.hist', { role: 'img', 'aria-label': `histogram from ${fmt(min)} to ${fmt(max)}` }, bins.map(b => h('span', { style: { height: (b / top * 100) + '%' }, title: String(b) })));
}

function classBalance(classes) {
  const total = classes.reduce((s, c) => s + c.count, 0);
  return h('table', {}, h('tbody', {}, classes.map(c => h('tr', {}, h('td', {}, c.label), h('td.num', {}, c.count),
    h('td', {}, h('div.bar', { role: 'img', 'aria-label': `${(c.count / total * 100).toFixed(1)} percent` }, h('span', { style: { width: (c.count / total * 100) + '%' } })))))));
}
