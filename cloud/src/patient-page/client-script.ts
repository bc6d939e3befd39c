/**
 * The trends page's inline script (plain ES2017, no build step). It fetches the period's points
 * from /api/patients/:id/trends and draws one uPlot chart per vital that has readings (blood
 * pressure: systolic and diastolic on one chart), with threshold lines and a text alternative
 * (count, lowest, highest and latest value in words). Times are shown in the service's zone.
 * Live: each new reading of the patient (SSE /api/events?patient=) redraws the period shown.
 * State for tests and debugging: window.telecartTrends = { days, charts: {key: uPlot}, points: {key: n}, live: redraws }.
 */
export const PATIENT_PAGE_SCRIPT = `
(function () {
  'use strict';
  var cfg = JSON.parse(document.getElementById('patient-page-data').textContent);
  var t = cfg.texts;
  var tz = cfg.timeZone;
  var main = document.getElementById('patient-main');
  var chartsEl = document.getElementById('charts');
  var status = document.getElementById('trends-status');
  var empty = document.getElementById('trends-empty');
  var exportLink = document.getElementById('export-fhir');
  var langLink = document.getElementById('lang-link');
  var buttons = document.querySelectorAll('#periods button');
  var other = cfg.lang === 'fr' ? 'en' : 'fr';
  var DAY = 86400000;
  var COLORS = ['#0b5cad', '#b35900'];
  var state = window.telecartTrends = { days: cfg.days, charts: {}, points: {}, request: 0 };
  // The dashboard remembers the language the same way.
  try { localStorage.setItem('telecart.lang', cfg.lang); } catch (e) { /* storage disabled */ }

  var when = new Intl.DateTimeFormat(t.locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: tz });
  var dayOnly = new Intl.DateTimeFormat(t.locale, { dateStyle: 'medium', timeZone: tz });
  var tickDay = new Intl.DateTimeFormat(t.locale, { day: 'numeric', month: 'short', timeZone: tz });
  var tickHour = new Intl.DateTimeFormat(t.locale, { hour: '2-digit', minute: '2-digit', timeZone: tz });
  var plural = new Intl.PluralRules(t.locale);
  var numbers = {};
  function fmt(key, v) {
    var d = cfg.digits[key] || 0;
    if (!numbers[d]) numbers[d] = new Intl.NumberFormat(t.locale, { maximumFractionDigits: d, minimumFractionDigits: d });
    return numbers[d].format(v);
  }
  function fill(s, v) { return s.replace(/\\{(\\w+)\\}/g, function (m, k) { return v[k] !== undefined ? String(v[k]) : m; }); }
  function capital(s) { return s.charAt(0).toUpperCase() + s.slice(1); }
  function seriesLabel(vt, i) { return vt.series.length > 1 ? t.series[vt.series[i]] : t.vitals[vt.key]; }

  function summary(vt) {
    var pts = vt.points, n = pts.length, unit = ' ' + vt.unitDisplay;
    var count = fill(plural.select(n) === 'one' ? t.readings.one : t.readings.other, { n: n });
    var out = [fill(t.summary, { vital: t.vitals[vt.key], count: count, first: dayOnly.format(new Date(pts[0].t)), last: dayOnly.format(new Date(pts[n - 1].t)) })];
    for (var i = 0; i < vt.series.length; i++) {
      var lo = 0, hi = 0;
      for (var j = 1; j < n; j++) {
        if (pts[j].v[i] < pts[lo].v[i]) lo = j;
        if (pts[j].v[i] > pts[hi].v[i]) hi = j;
      }
      var line = fill(t.summarySeries, {
        series: vt.series.length > 1 ? t.series[vt.series[i]] + (cfg.lang === 'fr' ? ' :' : ':') : '',
        min: fmt(vt.key, pts[lo].v[i]) + unit, minAt: when.format(new Date(pts[lo].t)),
        max: fmt(vt.key, pts[hi].v[i]) + unit, maxAt: when.format(new Date(pts[hi].t)),
        lastV: fmt(vt.key, pts[n - 1].v[i]) + unit, lastAt: when.format(new Date(pts[n - 1].t))
      });
      out.push(capital(line.trim()));
    }
    if (vt.truncated) out.push(fill(t.truncated, { n: n }));
    if (vt.skipped) out.push(fill(t.skipped, { n: vt.skipped }));
    return out.join(' ');
  }

  function chart(vt, el, from, to) {
    var refs = cfg.thresholds[vt.key] || [];
    var data = [vt.points.map(function (p) { return Date.parse(p.t) / 1000; })];
    var series = [{ label: t.colTime, value: function (u, ts) { return ts == null ? '—' : when.format(new Date(ts * 1000)); } }];
    vt.series.forEach(function (name, i) {
      data.push(vt.points.map(function (p) { return p.v[i]; }));
      series.push({
        label: seriesLabel(vt, i), stroke: COLORS[i % COLORS.length], width: 2,
        points: { show: true, size: 6, fill: COLORS[i % COLORS.length] },
        value: function (u, v) { return v == null ? '—' : fmt(vt.key, v) + ' ' + vt.unitDisplay; }
      });
    });
    return new uPlot({
      width: Math.max(260, el.clientWidth), height: 220,
      tzDate: function (ts) { return uPlot.tzDate(new Date(ts * 1000), tz); },
      scales: {
        x: { time: true, range: function () { return [from / 1000, to / 1000]; } },
        y: { range: function (u, min, max) {
          for (var i = 0; i < refs.length; i++) { min = Math.min(min, refs[i]); max = Math.max(max, refs[i]); }
          var pad = Math.max((max - min) * 0.1, 1);
          return [min - pad, max + pad];
        } }
      },
      axes: [
        { space: 70, values: function (u, splits, ax, space, incr) {
          return splits.map(function (s) { var d = new Date(s * 1000); return incr >= 86400 ? tickDay.format(d) : tickDay.format(d) + '\\n' + tickHour.format(d); });
        } },
        { size: 56, values: function (u, splits) { return splits.map(function (v) { return fmt(vt.key, v); }); } }
      ],
      series: series,
      hooks: { draw: [function (u) {
        var ctx = u.ctx;
        ctx.save();
        ctx.strokeStyle = '#cf222e';
        ctx.lineWidth = Math.max(1, devicePixelRatio);
        ctx.setLineDash([6 * devicePixelRatio, 4 * devicePixelRatio]);
        for (var i = 0; i < refs.length; i++) {
          var y = Math.round(u.valToPos(refs[i], 'y', true));
          ctx.beginPath(); ctx.moveTo(u.bbox.left, y); ctx.lineTo(u.bbox.left + u.bbox.width, y); ctx.stroke();
        }
        ctx.restore();
      }] }
    }, data, el);
  }

  function draw(resp) {
    for (var k in state.charts) state.charts[k].destroy();
    state.charts = {}; state.points = {};
    chartsEl.textContent = '';
    var from = Date.parse(resp.from), to = Date.parse(resp.to), missing = [];
    resp.vitals.forEach(function (vt) {
      state.points[vt.key] = vt.points.length;
      if (!vt.points.length) { missing.push(t.vitals[vt.key]); return; }
      var fig = document.createElement('figure');
      fig.setAttribute('data-vital', vt.key);
      fig.setAttribute('data-points', String(vt.points.length));
      var h = document.createElement('h3');
      h.id = 'chart-' + vt.key + '-title';
      var refs = cfg.thresholds[vt.key] || [];
      h.textContent = t.vitals[vt.key] + ' (' + vt.unitDisplay + ')' + (refs.length ? ' · ' + t.threshold + ' ' + refs.map(function (r) { return fmt(vt.key, r); }).join(', ') + ' ' + vt.unitDisplay : '');
      var box = document.createElement('div');
      box.className = 'chart';
      box.setAttribute('role', 'img');
      var cap = document.createElement('figcaption');
      cap.id = 'chart-' + vt.key + '-alt';
      cap.textContent = summary(vt);
      box.setAttribute('aria-labelledby', h.id + ' ' + cap.id);
      fig.appendChild(h); fig.appendChild(box); fig.appendChild(cap);
      if (vt.truncated || vt.skipped) cap.className = 'note';
      chartsEl.appendChild(fig);
      state.charts[vt.key] = chart(vt, box, from, to);
    });
    empty.hidden = missing.length === 0;
    empty.textContent = missing.length ? t.noneInPeriod + ' ' + missing.join(', ') : '';
  }

  function load(days, initial) {
    var req = ++state.request;
    state.days = days;
    main.setAttribute('data-days', String(days));
    main.setAttribute('data-state', 'loading');
    for (var i = 0; i < buttons.length; i++) buttons[i].setAttribute('aria-pressed', String(Number(buttons[i].getAttribute('data-days')) === days));
    var to = Date.now(), from = to - days * DAY;
    exportLink.href = cfg.exportBase + '&date=ge' + encodeURIComponent(new Date(from).toISOString()) + '&_count=' + cfg.exportCount;
    langLink.href = '?lang=' + other + '&days=' + days;
    // A reload or a shared link keeps the period.
    if (!initial) try { history.replaceState(null, '', '?lang=' + cfg.lang + '&days=' + days); } catch (e) { /* not critical */ }
    status.removeAttribute('data-state');
    status.textContent = t.loading;
    var url = cfg.trendsUrl + '?from=' + encodeURIComponent(new Date(from).toISOString()) + '&to=' + encodeURIComponent(new Date(to).toISOString());
    fetch(url, { headers: { accept: 'application/json' }, cache: 'no-store' })
      .then(function (r) {
        // Signed out elsewhere or the login expired: reloading leads to the sign-in page.
        if (r.status === 401) location.reload();
        if (!r.ok) throw new Error('HTTP ' + r.status);
        return r.json();
      })
      .then(function (resp) {
        if (req !== state.request) return;
        draw(resp);
        status.textContent = '';
        main.setAttribute('data-state', 'ready');
      })
      .catch(function () {
        if (req !== state.request) return;
        status.setAttribute('data-state', 'failed');
        status.textContent = t.loadFailed;
        main.setAttribute('data-state', 'failed');
      });
  }

  for (var i = 0; i < buttons.length; i++) buttons[i].addEventListener('click', function (e) {
    var d = Number(e.currentTarget.getAttribute('data-days'));
    if (d !== state.days || main.getAttribute('data-state') === 'failed') load(d);
  });
  var resizing = false;
  window.addEventListener('resize', function () {
    if (resizing) return;
    resizing = true;
    requestAnimationFrame(function () {
      resizing = false;
      for (var k in state.charts) {
        var c = state.charts[k];
        c.setSize({ width: Math.max(260, c.root.parentNode.clientWidth), height: 220 });
      }
    });
  });
  if (typeof uPlot === 'undefined') {
    status.setAttribute('data-state', 'failed');
    status.textContent = t.loadFailed;
    main.setAttribute('data-state', 'failed');
    return;
  }
  load(cfg.days, true);
  // Live: a new reading of this patient redraws the period shown (debounced: a burst is one redraw).
  if ('EventSource' in window) {
    var pending = null;
    var events = new EventSource(cfg.eventsUrl);
    events.addEventListener('observation', function () {
      if (pending !== null) return;
      pending = setTimeout(function () { pending = null; state.live = (state.live || 0) + 1; load(state.days); }, 500);
    });
  }
})();
`;
