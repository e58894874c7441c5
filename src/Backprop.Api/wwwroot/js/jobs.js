// Jobs: the list with progress and ETA, and a job page with live charts from the job's event stream.
import { api, streamEvents } from './api.js';
import { LineChart } from './charts.js';
import { h, fmt, pct, when, duration, badge, empty, errorBox, progressBar } from './ui.js';

export async function jobsPage(main) {
  const list = h('div', { id: 'job-list' });
  main.append(h('h1', {}, 'Training jobs'), startForm(), h('h2', {}, 'Your jobs'), list);
  let timer = 0;
  const load = async () => {
    try {
      const page = await api('/api/jobs?pageSize=50');
      list.replaceChildren(page.items.length ? jobTable(page.items) : empty('No jobs yet: start one above once you have a dataset and a network.'));
      if (page.items.some(j => j.status === 'running' || j.status === 'queued')) timer = setTimeout(load, 1000);
    } catch (e) { list.replaceChildren(errorBox(e)); }
  };
  await load();
  return () => clearTimeout(timer);
}

function jobTable(jobs) {
  return h('div.card.scroll', {}, h('table', {},
    h('thead', {}, h('tr', {}, h('th', {}, 'Job'), h('th', {}, 'Status'), h('th', {}, 'Progress'), h('th.num', {}, 'Train loss'), h('th.num.hide-narrow', {}, 'Validation loss'), h('th', {}, 'Remaining'))),
    h('tbody', {}, jobs.map(j => h('tr', {},
      h('td', {}, h('a', { href: `#/jobs/${j.id}` }, j.id.slice(0, 8) + '…'), h('div.muted.hide-narrow', {}, when(j.createdAt))),
      h('td', {}, badge(j.status)),
      h('td', {}, progressBar(j.epoch, j.epochs, `epoch ${j.epoch} of ${j.epochs}`), h('span.muted', {}, `${j.epoch} / ${j.epochs}`)),
      h('td.num', {}, fmt(j.trainLoss)), h('td.num.hide-narrow', {}, fmt(j.validationLoss)),
      h('td', {}, j.status === 'running' ? duration(j.estimatedRemainingSeconds) : '—'))))));
}

function startForm() {
  const network = h('select', { id: 'job-network', required: true });
  const dataset = h('select', { id: 'job-dataset', required: true });
  // Empty: the validation split chooses the epoch count, then the job refits on every row (the service's default).
  const epochs = h('input', { id: 'job-epochs', type: 'number', min: '1', value: '200', placeholder: 'auto' });
  // The refit needs the split to choose the epochs, so it is offered only while the epochs are left empty.
  const refit = h('input', { id: 'job-refit', type: 'checkbox', checked: true, disabled: true });
  epochs.addEventListener('input', () => { refit.disabled = epochs.value !== ''; });
  const batch = h('input', { id: 'job-batch', type: 'number', min: '1', value: '16' });
  const validation = h('input', { id: 'job-validation', type: 'number', min: '0', max: '0.9', step: '0.05', value: '0.2' });
  const rate = h('input', { id: 'job-rate', type: 'number', min: '0', step: 'any', value: '0.01' });
  const status = h('p', { role: 'status' });
  Promise.all([api('/api/networks?pageSize=100'), api('/api/datasets?pageSize=100')]).then(([n, d]) => {
    network.replaceChildren(...n.items.map(x => h('option', { value: x.id }, `${x.name || 'network'} (${x.inputWidth}→${x.outputWidth}, ${x.parameterCount} parameters)`)));
    dataset.replaceChildren(...d.items.map(x => h('option', { value: x.id }, `${x.name} (${x.rowCount} rows)`)));
    if (!n.items.length || !d.items.length) status.replaceChildren(h('span.muted', {}, 'You need a ', h('a', { href: '#/datasets' }, 'dataset'), ' and a ', h('a', { href: '#/networks' }, 'network'), ' first.'));
  }, e => status.replaceChildren(errorBox(e)));
  const field = (id, label, input) => h('div.field', {}, h('label', { for: id }, label), input);
  return h('form.card', {
    onsubmit: async (e) => {
      e.preventDefault();
      status.textContent = 'Starting…';
      try {
        const job = await api('/api/jobs', { method: 'POST', json: {
          networkId: network.value, datasetId: dataset.value, epochs: epochs.value === '' ? undefined : +epochs.value,
          refit: epochs.value === '' && !refit.checked ? false : undefined, batchSize: +batch.value,
          validationFraction: +validation.value, optimizer: { kind: 'adam', learningRate: +rate.value } } });
        location.hash = `#/jobs/${job.id}`;
      } catch (err) { status.replaceChildren(errorBox(err)); }
    },
  }, h('h2', {}, 'Start training'), h('div.row', {}, field('job-network', 'Network', network), field('job-dataset', 'Dataset', dataset),
    field('job-epochs', 'Epochs (empty: auto)', epochs),
    h('div.field', {}, h('label', { for: 'job-refit' }, refit, ' Then refit on all rows')), field('job-batch', 'Batch size', batch), field('job-validation', 'Validation share', validation),
    field('job-rate', 'Learning rate (adam)', rate), h('div.field', {}, h('button', { type: 'submit', id: 'job-start' }, 'Start'))), status);
}

export async function jobPage(main, id) {
  const job = await api(`/api/jobs/${id}`);
  const network = await api(`/api/networks/${job.networkId}`).catch(() => null);
  const layers = network ? network.layers.length : 0;
  const head = h('div.card');
  const note = h('div.note', { hidden: true, role: 'status' });
  const findings = h('div.card', { id: 'job-findings', hidden: true, 'aria-label': 'Training diagnostics' });
  const grid = h('div.charts');
  const box = (label) => { const d = h('div.card.chart', { 'aria-label': label }); grid.append(d); return d; };
  const log = h('input', { type: 'checkbox', id: 'log-scale' });
  main.append(h('p', {}, h('a', { href: '#/jobs' }, '← All jobs')), head, note, findings,
    h('div.row', {}, h('label', { for: 'log-scale' }, log, ' Log scale for the loss')), grid);

  let best = { epoch: job.bestEpoch, loss: null };
  let state = job, rising = 0, lastValidation = null, frame = 0;
  // A refit restarts from the initial weights on every row: its curves jump back up, and the line says why.
  const refit = () => state.refitFromEpoch == null ? [] : [{ x: state.refitFromEpoch + 0.5, label: 'refit on all rows', color: '#9b2fae', row: 1 }];
  const loss = new LineChart(box('Loss chart'), 'Loss', ['train', 'validation'], { markers: () => [{ x: best.epoch, label: 'best' }, ...refit()] });
  const metric = new LineChart(box('Metric chart'), 'Accuracy / RMSE', ['train', 'validation'], { markers: refit });
  const rate = new LineChart(box('Learning rate chart'), 'Learning rate', ['learning rate'], { markers: refit });
  const names = [...Array(layers).keys()].flatMap(l => [`layer ${l + 1} W`, `layer ${l + 1} b`]);
  const norms = new LineChart(box('Gradient norm chart'), 'Gradient norms (per layer)', names, { log: true, markers: refit });
  const charts = [loss, metric, rate, norms];
  grid.firstChild.id = 'loss-chart';
  log.addEventListener('change', () => loss.setLog(log.checked));

  const controller = new AbortController();
  const draw = () => {
    frame = 0; charts.forEach(c => c.flush());
    grid.firstChild.dataset.points = loss.points; grid.firstChild.dataset.refitFrom = state.refitFromEpoch ?? '';
    // Early stopping (and the refit after it) has acted on a stalled validation loss: no advice left to give.
    if (state.refitFromEpoch != null || state.stopReason === 'early_stopped') note.hidden = true;
    renderHead(head, state, main);
  };
  const schedule = () => { if (!frame) frame = requestAnimationFrame(draw); };

  let gaps = false; // a thinned stream (Live:MaxEventsPerSecond) skips epochs; the stored history has every one
  const addEpoch = (data) => {
    const last = loss.data[0].at(-1);
    if (data.epoch <= (last ?? -Infinity)) return;
    if (last !== undefined && data.epoch !== last + 1) gaps = true;
    const isRegression = data.trainAccuracy === null && data.trainRmse !== null;
    loss.push(data.epoch, [data.trainLoss, data.validationLoss]);
    metric.push(data.epoch, isRegression ? [data.trainRmse, data.validationRmse] : [data.trainAccuracy, data.validationAccuracy]);
    rate.push(data.epoch, [data.learningRate]);
    norms.push(data.epoch, data.layers.flatMap(l => [l.weightGradientNorm, l.biasGradientNorm]));
    const v = data.validationLoss;
    if (v !== null) {
      if (best.loss === null || v < best.loss) best = { epoch: data.epoch, loss: v };
      rising = lastValidation !== null && v > lastValidation ? rising + 1 : (v <= (best.loss ?? v) ? 0 : rising);
      lastValidation = v;
      const since = data.epoch - best.epoch;
      note.hidden = !(since >= 10 && since >= data.epoch * 0.1);
      note.textContent = `Validation loss has not improved for ${since} epochs since its best at epoch ${best.epoch} (${fmt(best.loss)}): the network may be over-fitting. Early stopping, a smaller network or L2 can help.`;
    }
    state = { ...state, epoch: data.epoch, trainLoss: data.trainLoss, validationLoss: data.validationLoss };
  };
  const onEvent = ({ type, data }) => {
    if (type === 'diagnostics') { renderFindings(findings, data); return; }
    if (type === 'status') {
      const refitStarts = data.refitFromEpoch != null && state.refitFromEpoch == null;
      state = { ...state, ...data, estimatedRemainingSeconds: data.status === 'running' ? state.estimatedRemainingSeconds : 0 };
      if (refitStarts) charts.forEach(c => c.dirty = true); // redraw the marker even before the refit's first epoch
      schedule(); return;
    }
    if (type !== 'epoch') return;
    addEpoch(data);
    schedule();
  };
  const readHistory = async () => {
    let next = `/api/jobs/${id}/history?fromEpoch=1`;
    while (next && !controller.signal.aborted) {
      const page = await api(next, { signal: controller.signal });
      page.epochs.forEach(addEpoch);
      next = page.next;
    }
  };

  // Stored epochs first (complete, unthinned), then the live stream resumes after the last one; once the job has ended,
  // the epochs a thinned stream skipped are drawn from the stored history.
  renderHead(head, state, main);
  renderFindings(findings, job.diagnostics);
  (async () => {
    await readHistory();
    schedule();
    const last = loss.data[0].at(-1);
    await streamEvents(`/api/jobs/${id}/events`, onEvent, controller.signal, last === undefined ? null : String(last));
    const ended = await api(`/api/jobs/${id}`, { signal: controller.signal });
    // A thinned stream can also skip every epoch after the stored ones (a short job, a status last): nothing to
    // compare against, so the job's own epoch count tells whether the curves are whole.
    if (gaps || (loss.data[0].at(-1) ?? 0) < ended.epoch) {
      charts.forEach(c => c.clear());
      best = { epoch: ended.bestEpoch, loss: null }; rising = 0; lastValidation = null; gaps = false;
      await readHistory();
    }
    state = ended;
    renderFindings(findings, state.diagnostics);
    draw();
  })().catch(e => { if (!controller.signal.aborted) head.append(errorBox(e)); });
  return () => { controller.abort(); cancelAnimationFrame(frame); charts.forEach(c => c.destroy()); };
}

// The training diagnostics' findings: what was seen (with the numbers), since when, and what to change.
function renderFindings(box, list) {
  const items = list || [];
  box.hidden = items.length === 0;
  box.replaceChildren(h('h2', {}, 'Diagnostics'), h('ul.findings', {}, ...items.map(f =>
    h('li', { class: `finding ${f.severity}` },
      h('b', {}, f.code.replaceAll('_', ' ')), ` (${f.severity}, from epoch ${f.epoch}${f.layer === null ? '' : `, layer ${f.layer}`}): `,
      f.message, h('br'), h('span.muted', {}, 'Fix: ' + f.fix)))));
}

function renderHead(head, j, main) {
  const running = j.status === 'running' || j.status === 'queued';
  const actions = h('div.row');
  if (running) actions.append(h('button.danger', { type: 'button', id: 'job-cancel', onclick: async (e) => {
    e.target.disabled = true;
    try { await api(`/api/jobs/${j.id}/cancel`, { method: 'POST' }); } catch (err) { head.append(errorBox(err)); }
  } }, 'Cancel'));
  if (j.status === 'succeeded' && j.modelId) {
    const more = h('input', { type: 'number', min: '1', value: '50', id: 'continue-epochs', 'aria-label': 'Epochs to add' });
    actions.append(h('a.button', { href: `#/models/${j.modelId}`, id: 'job-model' }, 'Open the model'), more,
      h('button.quiet', { type: 'button', onclick: async () => {
        try { const next = await api(`/api/models/${j.modelId}/continue`, { method: 'POST', json: { epochs: +more.value } }); location.hash = `#/jobs/${next.id}`; }
        catch (err) { head.append(errorBox(err)); }
      } }, 'Continue training'));
  }
  head.replaceChildren(...[
    h('h1', {}, 'Job ', h('code', {}, j.id.slice(0, 8)), ' ', badge(j.status)),
    progressBar(j.epoch, j.epochs, `epoch ${j.epoch} of ${j.epochs}`),
    h('div.stats', {},
      h('div', {}, h('span.muted', {}, 'Epoch'), h('b', { id: 'job-epoch' }, `${j.epoch} / ${j.epochs}`)),
      h('div', {}, h('span.muted', {}, 'Train loss'), h('b', {}, fmt(j.trainLoss))),
      h('div', {}, h('span.muted', {}, 'Validation loss'), h('b', {}, fmt(j.validationLoss))),
      h('div', {}, h('span.muted', {}, 'Remaining'), h('b', {}, running ? duration(j.estimatedRemainingSeconds) : '—')),
      j.stopReason ? h('div', {}, h('span.muted', {}, 'Stopped'), h('b', {}, j.stopReason.replace('_', ' '))) : null,
      j.phase ? h('div', {}, h('span.muted', {}, 'Phase'), h('b', { id: 'job-phase' }, j.phase === 'refit'
        ? `refit on all rows after epoch ${j.refitFromEpoch}` : 'selection on the validation split')) : null),
    j.failureReason ? h('p.error', { role: 'alert' }, 'Failed: ' + j.failureReason) : null,
    actions].filter(Boolean)); // replaceChildren would print a null as "null"
}
