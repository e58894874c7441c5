// The dashboard: a hash router over the pages, the API key form, and a notice for errors every page shares.
import { getKey, setKey } from './api.js';
import { datasetsPage } from './datasets.js';
import { networksPage } from './networks.js';
import { jobsPage, jobPage } from './jobs.js';
import { modelsPage, modelPage } from './models.js';
import { h } from './ui.js';

const routes = [
  [/^#\/datasets$/, datasetsPage], [/^#\/networks$/, networksPage], [/^#\/jobs$/, jobsPage], [/^#\/jobs\/([0-9a-f-]{36})$/, jobPage],
  [/^#\/models$/, modelsPage], [/^#\/models\/([0-9a-f-]{36})$/, modelPage],
];
let leave = null; // the current page's cleanup (closes its event stream)

export function notice(message) {
  const el = document.getElementById('notice');
  el.textContent = message || '';
  el.hidden = !message;
}

async function render() {
  const hash = location.hash || '#/jobs';
  if (leave) { leave(); leave = null; }
  notice('');
  const main = document.getElementById('main');
  main.replaceChildren();
  for (const a of document.querySelectorAll('.top nav a')) {
    if (a.getAttribute('href').startsWith('#')) a.toggleAttribute('aria-current', hash.startsWith(a.getAttribute('href')));
    if (a.hasAttribute('aria-current')) a.setAttribute('aria-current', 'page');
  }
  if (!getKey()) {
    main.append(h('div.card', {}, h('h1', {}, 'Welcome to Backprop'),
      h('p', {}, 'Paste an API key above to see your datasets, networks, training jobs and models. '
        + 'A service started on this machine writes a development key to dev-api-key.txt beside its database; an administrator creates others with POST /api/admin/keys.'),
      h('p', {}, h('a', { href: '/swagger' }, 'The API documentation (Swagger UI)'), ' needs no key to read.')));
    document.getElementById('key-input').focus();
    return;
  }
  const route = routes.find(([re]) => re.test(hash));
  if (!route) { location.hash = '#/jobs'; return; }
  const [, page] = route;
  const args = hash.match(route[0]).slice(1);
  try { leave = await page(main, ...args); }
  catch (e) { main.append(h('p.error', { role: 'alert' }, e.message)); }
  document.title = `Backprop · ${hash.split('/')[1] || 'jobs'}`;
}

document.getElementById('key-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const input = document.getElementById('key-input');
  setKey(input.value.trim());
  input.value = '';
  input.placeholder = getKey() ? 'key in use (this tab only)' : 'bp_…';
  render();
});
document.getElementById('key-forget').addEventListener('click', () => { setKey(''); document.getElementById('key-input').placeholder = 'bp_…'; render(); });
if (getKey()) document.getElementById('key-input').placeholder = 'key in use (this tab only)';
window.addEventListener('hashchange', render);
render();
