// Hyperparameter searches: the list, a form that starts a random search over a stored network, and a search page with the
// leaderboard beside every trial's curves, both live while trials run.
import { api, streamEvents } from './api.js';
import { TrialChart } from './charts.js';
import { h, fmt, when, duration, badge, empty, errorBox, progressBar } from './ui.js';

const METRICS = ['validationAccuracy', 'validationLoss', 'validationRmse', 'validationR2', 'trainAccuracy', 'trainLoss', 'trainRmse', 'trainR2'];
const MAX_STREAMS = 4; // browsers allow ~6 connections per host; other running trials follow their stored history

export async function searchesPage(main) {
  const list = h('div', { id: 'search-list' });
  main.append(h('h1', {}, 'Hyperparameter searches'), startForm(), h('h2', {}, 'Your searches'), list);
  let timer = 0;
  const load = async () => {
    try {
      const page = await api('/api/searches?pageSize=50');
      list.replaceChildren(page.items.length ? searchTable(page.items) : empty('No searches yet: start one above once you have a dataset and a network.'));
      if (page.items.some(s => s.status === 'running')) timer = setTimeout(load, 2000);
    } catch (e) { list.replaceChildren(errorBox(e)); }
  };
  await load();
  return () => clearTimeout(timer);
}

function searchTable(searches) {
  return h('div.card.scroll', {}, h('table', {},
    h('thead', {}, h('tr', {}, h('th', {}, 'Search'), h('th', {}, 'Status'), h('th', {}, 'Metric'), h('th.num', {}, 'Trials'), h('th.hide-narrow', {}, 'Created'))),
    h('tbody', {}, searches.map(s => h('tr', {},
      h('td', {}, h('a', { href: `#/searches/${s.id}` }, s.name || s.id.slice(0, 8) + '…')), h('td', {}, badge(s.status)),
      h('td', {}, s.metric), h('td.num', {}, s.maxTrials), h('td.hide-narrow', {}, when(s.createdAt)))))));
}

// A random search over the learning rate and the first layer's width of a stored network, with optional early termination.
function startForm() {
  const field = (id, label, input) => h('div.field', {}, h('label', { for: id }, label), input);
  const network = h('select', { id: 'search-network', required: true });
  const dataset = h('select', { id: 'search-dataset', required: true });
  const name = h('input', { id: 'search-name', value: 'search' });
  const epochs = h('input', { id: 'search-epochs', type: 'number', min: '1', value: '60' });
  const batch = h('input', { id: 'search-batch', type: 'number', min: '1', value: '16' });
  const trials = h('input', { id: 'search-trials', type: 'number', min: '1', value: '10' });
  const concurrent = h('input', { id: 'search-concurrent', type: 'number', min: '1', value: '2' });
  const low = h('input', { id: 'search-lr-low', type: 'number', step: 'any', min: '0', value: '0.0001' });
  const high = h('input', { id: 'search-lr-high', type: 'number', step: 'any', min: '0', value: '0.1' });
  const widths = h('input', { id: 'search-widths', value: '8, 32, 128', 'aria-describedby': 'search-widths-help' });
  const metric = h('select', { id: 'search-metric' }, METRICS.map(m => h('option', { value: m }, m)));
  const stopping = h('select', { id: 'search-stopping' }, ['asha', 'median', 'none'].map(k => h('option', { value: k }, k)));
  const minEpochs = h('input', { id: 'search-min-epochs', type: 'number', min: '1', value: '10' });
  const seed = h('input', { id: 'search-seed', type: 'number', min: '0', value: '1' });
  const status = h('p', { role: 'status' });
  Promise.all([api('/api/networks?pageSize=100'), api('/api/datasets?pageSize=100')]).then(([n, d]) => {
    network.replaceChildren(...n.items.map(x => h('option', { value: x.id }, `${x.name || 'network'} (${x.inputWidth}→${x.outputWidth})`)));
    dataset.replaceChildren(...d.items.map(x => h('option', { value: x.id }, `${x.name} (${x.rowCount} rows)`)));
    if (!n.items.length || !d.items.length) status.replaceChildren(h('span.muted', {}, 'You need a ', h('a', { href: '#/datasets' }, 'dataset'), ' and a ', h('a', { href: '#/networks' }, 'network'), ' first.'));
  }, e => status.replaceChildren(errorBox(e)));

  return h('form.card', {
    onsubmit: async (e) => {
      e.preventDefault();
      status.textContent = 'Starting…';
      try {
        const n = await api(`/api/networks/${network.value}`);
        const template = { name: n.name, inputWidth: n.inputWidth, layers: n.layers, loss: n.loss, init: n.init, seed: n.seed, huberDelta: n.huberDelta, inputDropout: n.inputDropout };
        const space = { 'job.optimizer.learningRate': { logUniform: [+low.value, +high.value] } };
        const units = widths.value.split(',').map(s => s.trim()).filter(Boolean).map(Number);
        if (units.length && n.layers.length > 1) space['network.layers[0].units'] = { choice: units };
        const body = {
          name: name.value || null, network: template, space, strategy: 'random', maxTrials: +trials.value, maxConcurrentTrials: +concurrent.value,
          job: { datasetId: dataset.value, epochs: +epochs.value, batchSize: +batch.value, validationFraction: metric.value.startsWith('validation') ? 0.2 : 0, optimizer: { kind: 'adam' } },
          metric: metric.value, seed: +seed.value,
          earlyTermination: stopping.value === 'none' ? null : { kind: stopping.value, minEpochs: +minEpochs.value, reductionFactor: 3 },
        };
        const search = await api('/api/searches', { method: 'POST', json: body });
        location.hash = `#/searches/${search.id}`;
      } catch (err) { status.replaceChildren(errorBox(err)); }
    },
  }, h('h2', {}, 'Start a random search'),
    h('p.muted', {}, 'Each trial trains the chosen network with a learning rate drawn log-uniformly from the range and, for a network with a hidden layer, one of the widths for its first layer.'),
    h('div.row', {}, field('search-name', 'Name', name), field('search-network', 'Network', network), field('search-dataset', 'Dataset', dataset),
      field('search-epochs', 'Epochs per trial', epochs), field('search-batch', 'Batch size', batch), field('search-trials', 'Trials', trials), field('search-concurrent', 'At once', concurrent)),
    h('div.row', {}, field('search-lr-low', 'Learning rate from', low), field('search-lr-high', 'to', high), field('search-widths', 'First layer widths', widths),
      field('search-metric', 'Metric', metric), field('search-stopping', 'Early termination', stopping), field('search-min-epochs', 'Min epochs', minEpochs),
      field('search-seed', 'Seed', seed), h('div.field', {}, h('button', { type: 'submit', id: 'search-start' }, 'Start'))),
    h('p.muted', { id: 'search-widths-help' }, 'Widths: comma-separated unit counts; leave empty to keep the network’s.'), status);
}

export async function searchPage(main, id) {
  let search = await api(`/api/searches/${id}`);
  const head = h('div.card', { id: 'search-head' });
  const board = h('div.card.scroll', { id: 'leaderboard', 'aria-label': 'Leaderboard' });
  const grid = h('div.charts');
  const box = (id, label) => { const d = h('div.card.chart', { id, 'aria-label': label }); grid.append(d); return d; };
  main.append(h('p', {}, h('a', { href: '#/searches' }, '← All searches')), head, h('div.search-layout', {}, board, grid));

  const lossMetric = search.metric.startsWith('train') ? 'trainLoss' : 'validationLoss';
  const names = [...Array(search.budget.maxTrials).keys()].map(t => `trial ${t}`);
  const metricChart = new TrialChart(box('trial-metric-chart', 'Metric per trial'), `${search.metric} per trial`, names);
  const lossChart = new TrialChart(box('trial-loss-chart', 'Loss per trial'), `${lossMetric} per trial`, names, { log: true });
  const charts = [metricChart, lossChart];

  const controller = new AbortController();
  const followed = new Map(); // trial number → { last: newest epoch drawn, busy: being followed, done: all of it drawn }
  let streams = 0, timer = 0, frame = 0;
  const draw = () => {
    frame = 0;
    charts.forEach(c => c.flush());
    grid.firstChild.dataset.points = metricChart.points;
    grid.firstChild.dataset.trials = metricChart.seriesWithPoints;
  };
  const schedule = () => { if (!frame) frame = requestAnimationFrame(draw); };
  const add = (trial, e) => {
    const f = followed.get(trial);
    f.last = Math.max(f.last, e.epoch);
    metricChart.push(trial, e.epoch, e[search.metric]);
    lossChart.push(trial, e.epoch, e[lossMetric]);
    schedule();
  };

  // A trial's stored epochs (every page), then, while it runs and a connection is free, its live stream from the last one. A trial
  // past the stream budget is followed again at each refresh: its stored history, and a stream once one is free.
  const active = (t) => t.status === 'queued' || t.status === 'running';
  async function follow(t) {
    let f = followed.get(t.trial);
    if (!f) followed.set(t.trial, f = { last: 0, busy: false, done: false });
    f.busy = true;
    try {
      await readHistory(t, f);
      if (!active(t)) { f.done = true; return; }
      if (streams >= MAX_STREAMS) return;
      streams++;
      try {
        await streamEvents(`/api/jobs/${t.jobId}/events`, ({ type, data }) => { if (type === 'epoch') add(t.trial, data); },
          controller.signal, f.last ? String(f.last) : null);
        // A fast trial's stream is thinned (Live:MaxEventsPerSecond): the finished history fills in the epochs it skipped.
        await readHistory(t, f, 1);
        f.done = true;
      } finally { streams--; }
    } finally { f.busy = false; }
  }
  async function readHistory(t, f, from = f.last + 1) {
    let next = `/api/jobs/${t.jobId}/history?fromEpoch=${from}`;
    while (next && !controller.signal.aborted) {
      const page = await api(next, { signal: controller.signal });
      page.epochs.forEach(e => add(t.trial, e));
      next = page.next;
    }
  }

  const refresh = async () => {
    try {
      search = await api(`/api/searches/${id}`, { signal: controller.signal });
      renderHead(head, search);
      renderBoard(board, search, charts);
      for (const t of search.leaderboard) {
        const f = followed.get(t.trial);
        if (!f || (!f.busy && !f.done)) follow(t).catch(e => { if (!controller.signal.aborted) head.append(errorBox(e)); });
      }
      if (search.status === 'running') timer = setTimeout(refresh, 1000);
    } catch (e) { if (!controller.signal.aborted) head.append(errorBox(e)); }
  };
  await refresh();
  return () => { controller.abort(); clearTimeout(timer); cancelAnimationFrame(frame); charts.forEach(c => c.destroy()); };
}

function renderHead(head, s) {
  const b = s.budget;
  const actions = h('div.row');
  if (s.status === 'running') actions.append(h('button.danger', { type: 'button', id: 'search-cancel', onclick: async (e) => {
    e.target.disabled = true;
    try { await api(`/api/searches/${s.id}/cancel`, { method: 'POST' }); } catch (err) { head.append(errorBox(err)); }
  } }, 'Cancel search'));
  if (s.bestModelId) actions.append(h('a.button', { href: `#/models/${s.bestModelId}`, id: 'search-best-model' }, 'Open the best model'));
  head.replaceChildren(
    h('h1', {}, s.name || 'Search', ' ', badge(s.status)),
    progressBar(b.trialsFinished, b.maxTrials, `${b.trialsFinished} of ${b.maxTrials} trials finished`),
    h('div.stats', {},
      h('div', {}, h('span.muted', {}, 'Strategy'), h('b', {}, s.strategy)),
      h('div', {}, h('span.muted', {}, 'Metric'), h('b', {}, `${s.metric} (${s.direction})`)),
      h('div', {}, h('span.muted', {}, 'Best'), h('b', { id: 'search-best' }, fmt(s.bestValue))),
      h('div', {}, h('span.muted', {}, 'Trials'), h('b', { id: 'search-trials-done' }, `${b.trialsFinished} / ${b.maxTrials} finished`)),
      h('div', {}, h('span.muted', {}, 'Stopped early'), h('b', {}, b.trialsStoppedEarly)),
      h('div', {}, h('span.muted', {}, 'Elapsed'), h('b', {}, duration(b.elapsedSeconds))),
      s.stopReason ? h('div', {}, h('span.muted', {}, 'Ended'), h('b', {}, s.stopReason.replace('_', ' '))) : null),
    actions);
}

// Trials ranked by the metric (unranked ones last); the best finished trial marked; its curve drawn bold.
function renderBoard(board, s, charts) {
  const paths = Object.keys(s.leaderboard[0]?.parameters || {});
  const best = s.leaderboard.find(t => t.best);
  charts.forEach(c => c.highlight(best ? best.trial : null));
  if (!s.leaderboard.length) { board.replaceChildren(h('h2', {}, 'Leaderboard'), empty('No trial has started yet.')); return; }
  const value = (v) => typeof v === 'number' ? fmt(v) : String(v);
  board.replaceChildren(h('h2', {}, 'Leaderboard'), h('table', {},
    h('thead', {}, h('tr', {}, h('th.num', {}, 'Rank'), h('th', {}, 'Trial'), h('th.num', {}, s.metric), ...paths.map(p => h('th', {}, p.replace(/^(job|network)\./, ''))),
      h('th', {}, 'Status'), h('th', {}, 'Epochs'), h('th', {}, 'Model'))),
    h('tbody', {}, s.leaderboard.map(t => h('tr', { class: t.best ? 'best' : null, 'data-trial': String(t.trial) },
      h('td.num', {}, t.rank ?? '—'),
      h('td', {}, h('a', { href: `#/jobs/${t.jobId}` }, `trial ${t.trial}`), t.best ? h('span.best-mark', { title: 'Best finished trial' }, ' ★ best') : null),
      h('td.num', {}, fmt(t.value)),
      ...paths.map(p => h('td', {}, value(t.parameters[p]))),
      h('td', {}, badge(t.status), t.stopReason === 'pruned' ? h('span.muted', {}, ' stopped early') : null),
      h('td', {}, progressBar(t.epoch, t.epochs, `epoch ${t.epoch} of ${t.epochs}`), h('span.muted', {}, `${t.epoch} / ${t.epochs}`)),
      h('td', {}, t.links.model ? h('a', { href: `#/models/${t.links.model.split('/').pop()}` }, 'model') : '—'))))));
}
