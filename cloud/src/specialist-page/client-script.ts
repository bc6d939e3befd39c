/**
 * The consultation page's inline script (plain ES2017, no build step, no dependencies): login,
 * the live waiting room over the WebSocket, the WebRTC answerer (the cart offers), the PTZ
 * controls on the 'ptz' data channel (a held control repeats `move` every 200 ms: the gateway
 * stops the camera when the repeats stop), presets, keyboard, and the ECG trace at 25 mm/s from
 * the 'ecg' channel, chunks put back in order by seq. Untrusted strings only via textContent.
 * A lost WebSocket during an act leaves the media as they are (they go peer to peer) and marks the
 * act reconnecting; once the socket is back the page rejoins by itself (a fresh negotiation). After
 * a reload, the waiting room offers "Rejoin" for the act this specialist left.
 */
export const CONSULT_SCRIPT = `
(function () {
  'use strict';
  var cfg = JSON.parse(document.getElementById('consult-texts').textContent);
  var lang = document.documentElement.lang === 'en' ? 'en' : 'fr';
  function t(k) { return cfg[lang][k]; }
  function $(id) { return document.getElementById(id); }
  function show(view) {
    document.body.setAttribute('data-view', view);
    $('login').hidden = view !== 'login';
    $('room').hidden = view !== 'room';
    $('consult').hidden = view !== 'consult';
    $('logout').hidden = view === 'login' || view === 'loading';
  }

  var me = null;
  var ws = null;
  var wsRetry = null;
  var sessions = [];
  var act = null;        // { sessionId, view, status, outcome, gatewayState, away }
  var pc = null;
  var pendingIce = [];
  var ptz = null;
  var seq = 0;
  var sent = {};         // seq -> { op, at }
  var camera = null;     // last status { pan, tilt, zoom, moving }
  var presets = [];
  var REPEAT_MS = 200;

  // ── language ──
  function applyChrome() {
    document.documentElement.lang = lang;
    var nodes = document.querySelectorAll('[data-i18n]');
    for (var i = 0; i < nodes.length; i++) nodes[i].textContent = t(nodes[i].getAttribute('data-i18n'));
    $('lang-toggle').textContent = t('switchTo');
    $('lang-toggle').setAttribute('lang', lang === 'fr' ? 'en' : 'fr');
    $('joystick').setAttribute('aria-label', t('joystick'));
    renderRoom();
    if (act) renderAct();
    renderPresets();
  }
  $('lang-toggle').addEventListener('click', function () {
    lang = lang === 'fr' ? 'en' : 'fr';
    try { localStorage.setItem('telecart.lang', lang); } catch (e) { /* storage off */ }
    applyChrome();
  });
  try { var saved = localStorage.getItem('telecart.lang'); if (saved === 'fr' || saved === 'en') lang = saved; } catch (e) { /* storage off */ }

  // ── login ──
  function api(method, url, body) {
    return fetch(url, { method: method, credentials: 'same-origin', cache: 'no-store',
      headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });
  }
  $('login-form').addEventListener('submit', function (e) {
    e.preventDefault();
    $('login-error').textContent = '';
    api('POST', 'api/specialist/login', { id: $('login-id').value, password: $('login-password').value })
      .then(function (r) {
        if (r.status === 429) throw new Error(t('loginLocked').replace('{s}', r.headers.get('retry-after') || '60'));
        if (!r.ok) throw new Error(t('loginFailed'));
        return r.json();
      })
      .then(function (body) { $('login-password').value = ''; start(body.specialist); })
      .catch(function (err) { $('login-error').textContent = err.message; });
  });
  $('logout').addEventListener('click', function () {
    api('POST', 'api/specialist/logout').then(function () {
      me = null;
      if (ws) { ws.onclose = null; ws.close(); ws = null; }
      closePeer();
      act = null;
      $('who').textContent = '';
      $('ws-state').textContent = '';
      show('login');
    });
  });

  function start(specialist) {
    me = specialist;
    $('who').textContent = specialist.name;
    show(act ? 'consult' : 'room');
    connect();
  }

  // ── WebSocket to the relay ──
  function wsUrl() {
    var u = new URL('consult/ws', document.baseURI);
    u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
    return u.href;
  }
  function send(msg) { if (ws && ws.readyState === 1) ws.send(JSON.stringify(msg)); }
  function connect() {
    clearTimeout(wsRetry);
    ws = new WebSocket(wsUrl());
    ws.onopen = function () { $('ws-state').textContent = t('wsLive'); $('ws-state').setAttribute('data-state', 'live'); };
    ws.onclose = function () {
      $('ws-state').textContent = t('wsLost');
      $('ws-state').setAttribute('data-state', 'lost');
      // The relay keeps the act for a grace period: the media may still flow; rejoin when the socket is back.
      if (act && act.status === 'in-progress') { act.away = true; renderAct(); }
      if (me) wsRetry = setTimeout(function () {
        api('GET', 'api/specialist/me').then(function (r) { if (r.ok) connect(); else show('login'); }, function () { connect(); });
      }, 2000);
    };
    ws.onmessage = function (e) {
      var m;
      try { m = JSON.parse(e.data); } catch (err) { return; }
      if (!m || typeof m.type !== 'string') return;
      onMessage(m);
    };
  }

  function onMessage(m) {
    if (m.type === 'waiting-room' && Array.isArray(m.sessions)) { sessions = m.sessions; renderRoom(); resumeAct(); return; }
    if (m.type === 'hello') return;
    if (m.type === 'error') {
      if (act && (!m.sessionId || m.sessionId === act.sessionId)) $('consult-message').textContent = String(m.message);
      else $('ws-state').textContent = String(m.message);
      return;
    }
    if (!act || m.sessionId !== act.sessionId && !(m.session && m.session.sessionId === act.sessionId)) return;
    if (m.type === 'joined') return openPeer(m.iceServers || []);
    if (m.type === 'session') {
      act.view = m.session;
      act.status = m.session.status;
      act.outcome = m.outcome;
      if (act.status !== 'in-progress' && act.status !== 'waiting') closePeer();
      return renderAct();
    }
    if (m.type === 'offer') return onOffer(m.sdp);
    if (m.type === 'ice') {
      if (pc && pc.remoteDescription) pc.addIceCandidate(m.candidate).catch(function () { /* stale candidate */ });
      else pendingIce.push(m.candidate);
      return;
    }
    if (m.type === 'state') { act.gatewayState = m.state; renderConn(); }
  }

  // ── waiting room ──
  function patientName(p) {
    if (p.family || p.given) return ((p.family || '').toUpperCase() + ' ' + (p.given || '')).trim();
    return p.id;
  }
  function when(iso) {
    try { return new Date(iso).toLocaleTimeString(t('locale'), { hour: '2-digit', minute: '2-digit', timeZone: cfg.timeZone }); }
    catch (e) { return iso; }
  }
  // « Consentement oral du patient, recueilli à 14:02 » / « … de son représentant : Mme X (fille), … »
  function consentText(c) {
    if (!c) return t('consentNone');
    var who = c.by === 'representative' && c.representative
      ? t('consentRep') + ' ' + c.representative.name + ' (' + c.representative.relation + ')'
      : t('consentPatient');
    return t(c.method === 'written' ? 'consentWritten' : 'consentOral') + ' ' + who + ', ' + t('consentAt') + ' ' + when(c.collectedAt);
  }
  function cell(tr, text, cls) {
    var td = document.createElement('td');
    if (cls) td.className = cls;
    td.textContent = text;
    tr.appendChild(td);
    return td;
  }
  function renderRoom() {
    var list = $('room-list');
    list.replaceChildren();
    $('room-empty').hidden = sessions.length > 0;
    $('room-table').hidden = sessions.length === 0;
    sessions.forEach(function (s) {
      var tr = document.createElement('tr');
      tr.setAttribute('data-session', s.sessionId);
      tr.setAttribute('data-status', s.status);
      var td = cell(tr, patientName(s.patient));
      var details = [];
      if (s.patient.birthDate) details.push(t('born') + ' ' + s.patient.birthDate);
      if (s.patient.ins) details.push(t('ins') + ' ' + s.patient.ins);
      if (details.length) { var d = document.createElement('span'); d.className = 'details'; d.textContent = details.join(' · '); td.appendChild(d); }
      var cs = document.createElement('span');
      cs.className = 'details consent';
      cs.setAttribute('data-consent', s.consent ? s.consent.by : '');
      cs.textContent = consentText(s.consent);
      td.appendChild(cs);
      if (s.forYou) { var b = document.createElement('span'); b.className = 'badge'; b.textContent = t('forYou'); td.appendChild(b); }
      cell(tr, s.gatewayId);
      cell(tr, s.reason || '');
      cell(tr, when(s.createdAt));
      tr.setAttribute('data-link', s.specialistLink || '');
      cell(tr, t('statuses')[s.status] + (s.specialist ? ' (' + t('with') + ' ' + s.specialist.name + ')' : '') +
        (s.specialistLink === 'reconnecting' ? ' — ' + t('reconnecting') : ''), 'status');
      var action = document.createElement('td');
      if (s.status === 'waiting' || s.rejoin) {
        var j = document.createElement('button');
        j.type = 'button';
        j.className = s.rejoin ? 'primary rejoin' : 'primary join';
        j.textContent = s.rejoin ? t('rejoin') : t('join');
        j.addEventListener('click', function () { join(s); });
        action.appendChild(j);
      }
      tr.appendChild(action);
      list.appendChild(tr);
    });
  }

  // ── the act ──
  // Back online after losing the socket during an act: rejoin it, or say it ended meanwhile.
  function resumeAct() {
    if (!act || !act.away) return;
    var mine = null;
    sessions.forEach(function (s) { if (s.sessionId === act.sessionId) mine = s; });
    if (mine && mine.rejoin) return join(mine);
    if (!mine) { act.away = false; act.status = 'over'; closePeer(); renderAct(); }
    // Still listed but not rejoinable yet: the relay has not seen the old socket go; it will say so.
  }
  function join(s) {
    act = { sessionId: s.sessionId, view: s, status: s.status, outcome: null, gatewayState: null, away: false };
    $('consult-message').textContent = '';
    presets = [];
    camera = null;
    resetEcg();
    renderPresets();
    renderAct();
    show('consult');
    send({ type: 'join', sessionId: s.sessionId, media: { video: true, audio: true, ecg: true } });
  }
  function renderAct() {
    var v = act.view;
    $('consult-patient').textContent = patientName(v.patient) + ' — ' + v.gatewayId;
    $('consult-consent').textContent = consentText(v.consent);
    $('act-status').textContent = (t('statuses')[act.status] || act.status) + (act.away ? ' — ' + t('reconnecting') : '');
    $('act-status').setAttribute('data-status', act.status);
    $('act-status').setAttribute('data-link', act.away ? 'reconnecting' : '');
    var over = act.status !== 'in-progress' && act.status !== 'waiting';
    $('hangup').hidden = over;
    $('back').hidden = !over;
    if (act.status === 'over') $('consult-message').textContent = t('endedAway');
    else if (over) $('consult-message').textContent = t('ended') + (t('statuses')[act.status] || act.status) + (act.outcome ? ' (' + act.outcome + ')' : '');
    renderConn();
  }
  function renderConn() {
    var s = pc ? pc.connectionState : (act && act.gatewayState) || '';
    $('conn-state').setAttribute('data-state', s);
    $('conn-state').setAttribute('data-cart-state', (act && act.gatewayState) || '');
    $('conn-state').textContent = s ? (t('states')[s] || s) : '';
  }
  $('hangup').addEventListener('click', function () {
    if (!act) return;
    drive.keys = {}; drive.pointer = null; drive.zoomHold = 0; update();
    send({ type: 'hangup', sessionId: act.sessionId });
  });
  $('back').addEventListener('click', function () { act = null; closePeer(); show('room'); renderRoom(); });

  // ── WebRTC (answerer) ──
  function openPeer(iceServers) {
    closePeer();
    pc = new RTCPeerConnection({ iceServers: iceServers });
    pc.onicecandidate = function (e) {
      if (!e.candidate || !act) return;
      send({ type: 'ice', sessionId: act.sessionId, candidate: { candidate: e.candidate.candidate, sdpMid: e.candidate.sdpMid, sdpMLineIndex: e.candidate.sdpMLineIndex } });
    };
    pc.onconnectionstatechange = renderConn;
    pc.ontrack = function (e) {
      var stream = new MediaStream([e.track]);
      if (e.track.kind === 'video') $('video').srcObject = stream;
      else $('steth').srcObject = stream; // the stethoscope, as sent: no processing here
    };
    pc.ondatachannel = function (e) {
      if (e.channel.label === 'ptz') setupPtz(e.channel);
      else if (e.channel.label === 'ecg') e.channel.onmessage = function (m) { onEcg(m.data); };
    };
    renderConn();
  }
  function closePeer() {
    stopRepeat();
    if (ptz) { try { ptz.close(); } catch (e) { /* closed */ } ptz = null; }
    if (pc) { pc.close(); pc = null; }
    pendingIce = [];
    $('video').srcObject = null;
    $('steth').srcObject = null;
  }
  function onOffer(sdp) {
    if (!pc) return;
    pc.setRemoteDescription({ type: 'offer', sdp: sdp })
      .then(function () { return pc.createAnswer(); })
      .then(function (a) { return pc.setLocalDescription(a); })
      .then(function () {
        send({ type: 'answer', sessionId: act.sessionId, sdp: pc.localDescription.sdp });
        var q = pendingIce; pendingIce = [];
        q.forEach(function (c) { pc.addIceCandidate(c).catch(function () { /* stale */ }); });
      })
      .catch(function (err) { $('consult-message').textContent = String(err && err.message || err); });
  }

  // ── PTZ ──
  function ptzSend(cmd) {
    if (!ptz || ptz.readyState !== 'open') return false;
    cmd.seq = ++seq;
    sent[cmd.seq] = { op: cmd.op, at: performance.now() };
    ptz.send(JSON.stringify(cmd));
    return true;
  }
  function setupPtz(ch) {
    ptz = ch;
    ch.onopen = function () { ptzSend({ op: 'status' }); ptzSend({ op: 'presets' }); };
    ch.onmessage = function (e) {
      var r;
      try { r = JSON.parse(e.data); } catch (err) { return; }
      if (!r || typeof r.seq !== 'number') return;
      var req = sent[r.seq]; delete sent[r.seq];
      var info = $('ptz-info');
      if (!r.ok) { info.textContent = t('ptzError') + String(r.error || ''); return; }
      if (r.status && typeof r.status.zoom === 'number') { camera = r.status; $('zoom').value = String(camera.zoom); }
      if (Array.isArray(r.presets)) { presets = r.presets; renderPresets(); }
      if (req) info.textContent = req.op + ' · ' + t('rtt') + ' ' + Math.round(performance.now() - req.at) + ' ms';
      if (req && (req.op === 'preset-set' || req.op === 'preset-remove')) ptzSend({ op: 'presets' });
      if (req && req.op === 'stop') ptzSend({ op: 'status' });
    };
    if (ch.readyState === 'open') ch.onopen();
  }

  // One velocity from everything held (keys, joystick, zoom buttons); repeated while not zero.
  var drive = { keys: {}, pointer: null, zoomHold: 0, current: null, timer: null };
  var KEYS = { ArrowLeft: [-0.5, 0, 0], ArrowRight: [0.5, 0, 0], ArrowUp: [0, 0.5, 0], ArrowDown: [0, -0.5, 0], '+': [0, 0, 0.5], '=': [0, 0, 0.5], '-': [0, 0, -0.5] };
  function clamp(v) { return Math.max(-1, Math.min(1, Math.round(v * 100) / 100)); }
  function velocity() {
    var pan = 0, tilt = 0, zoom = drive.zoomHold;
    Object.keys(drive.keys).forEach(function (k) { var v = KEYS[k]; pan += v[0]; tilt += v[1]; zoom += v[2]; });
    if (drive.pointer) { pan += drive.pointer[0]; tilt += drive.pointer[1]; }
    return { pan: clamp(pan), tilt: clamp(tilt), zoom: clamp(zoom) };
  }
  function stopRepeat() { clearInterval(drive.timer); drive.timer = null; }
  function update() {
    var v = velocity();
    var moving = v.pan !== 0 || v.tilt !== 0 || v.zoom !== 0;
    if (!moving) {
      if (drive.current) { stopRepeat(); drive.current = null; ptzSend({ op: 'stop' }); }
      return;
    }
    var same = drive.current && drive.current.pan === v.pan && drive.current.tilt === v.tilt && drive.current.zoom === v.zoom;
    if (same) return;
    drive.current = v;
    ptzSend({ op: 'move', pan: v.pan, tilt: v.tilt, zoom: v.zoom });
    if (!drive.timer) drive.timer = setInterval(function () {
      if (drive.current) ptzSend({ op: 'move', pan: drive.current.pan, tilt: drive.current.tilt, zoom: drive.current.zoom });
    }, REPEAT_MS);
  }
  function stopNow() {
    drive.keys = {}; drive.pointer = null; drive.zoomHold = 0; stopRepeat();
    drive.current = null;
    ptzSend({ op: 'stop' });
    knob(0, 0);
  }

  var pad = $('joystick');
  function knob(x, y) { $('knob').style.transform = 'translate(' + Math.round(x * 58) + 'px,' + Math.round(-y * 58) + 'px)'; }
  function fromPointer(e) {
    var r = pad.getBoundingClientRect();
    var x = (e.clientX - r.left - r.width / 2) / (r.width / 2);
    var y = -(e.clientY - r.top - r.height / 2) / (r.height / 2);
    var len = Math.sqrt(x * x + y * y);
    if (len > 1) { x /= len; y /= len; }
    drive.pointer = [clamp(x), clamp(y)];
    knob(x, y);
    update();
  }
  pad.addEventListener('pointerdown', function (e) { pad.setPointerCapture(e.pointerId); fromPointer(e); });
  pad.addEventListener('pointermove', function (e) { if (drive.pointer) fromPointer(e); });
  function release() { if (!drive.pointer) return; drive.pointer = null; knob(0, 0); update(); }
  pad.addEventListener('pointerup', release);
  pad.addEventListener('pointercancel', release);
  pad.addEventListener('lostpointercapture', release);

  function holdButton(id, z) {
    var b = $(id);
    b.addEventListener('pointerdown', function () { drive.zoomHold = z; update(); });
    ['pointerup', 'pointerleave', 'pointercancel'].forEach(function (ev) {
      b.addEventListener(ev, function () { if (drive.zoomHold === z) { drive.zoomHold = 0; update(); } });
    });
  }
  holdButton('zoom-in', 0.5);
  holdButton('zoom-out', -0.5);
  $('ptz-stop').addEventListener('click', stopNow);
  $('zoom').addEventListener('change', function () {
    var c = camera || { pan: 0, tilt: 0 };
    ptzSend({ op: 'absolute', pan: clamp(c.pan), tilt: clamp(c.tilt), zoom: Math.max(0, Math.min(1, Number($('zoom').value))) });
  });

  document.addEventListener('keydown', function (e) {
    if (document.body.getAttribute('data-view') !== 'consult' || !act || act.status !== 'in-progress') return;
    var tag = e.target && e.target.tagName;
    if (tag === 'INPUT' && e.target.type !== 'range' || tag === 'TEXTAREA' || tag === 'SELECT') return;
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (KEYS[e.key]) { e.preventDefault(); if (!drive.keys[e.key]) { drive.keys[e.key] = true; update(); } return; }
    if (e.key === ' ') { e.preventDefault(); stopNow(); return; }
    if (/^[1-9]$/.test(e.key)) {
      var p = presets[Number(e.key) - 1];
      if (p) { e.preventDefault(); ptzSend({ op: 'preset-goto', token: p.token }); }
    }
  });
  document.addEventListener('keyup', function (e) { if (drive.keys[e.key]) { delete drive.keys[e.key]; update(); } });
  window.addEventListener('blur', function () { if (drive.current) stopNow(); });

  function renderPresets() {
    var ol = $('presets');
    ol.replaceChildren();
    presets.forEach(function (p, i) {
      var li = document.createElement('li');
      li.setAttribute('data-token', p.token);
      var name = document.createElement('span');
      name.textContent = (i < 9 ? '[' + (i + 1) + '] ' : '') + p.name;
      var go = document.createElement('button');
      go.type = 'button'; go.textContent = t('presetGo');
      go.addEventListener('click', function () { ptzSend({ op: 'preset-goto', token: p.token }); });
      var rm = document.createElement('button');
      rm.type = 'button'; rm.textContent = t('presetRemove');
      rm.addEventListener('click', function () { ptzSend({ op: 'preset-remove', token: p.token }); });
      li.append(name, go, rm);
      ol.appendChild(li);
    });
  }
  $('preset-save').addEventListener('click', function () {
    var n = $('preset-name').value.trim();
    if (n && ptzSend({ op: 'preset-set', name: n.slice(0, 64) })) $('preset-name').value = '';
  });

  // ── ECG: 25 mm/s, 10 mm/mV, sweeping left to right ──
  var canvas = $('ecg');
  var g = canvas.getContext('2d');
  var PX_PER_MM = 96 / 25.4;
  var ecg = null;
  function resetEcg() {
    if (ecg) clearTimeout(ecg.startTimer);
    ecg = { next: null, buffer: {}, count: 0, origin: null, last: null, drawn: 0, dropped: 0, skipped: 0, startTimer: null };
    g.clearRect(0, 0, canvas.width, canvas.height);
    // The trace's state, readable from outside (tests, support): chunks drawn, first and last seq, gaps skipped.
    canvas.setAttribute('data-chunks', '0');
    canvas.setAttribute('data-first-seq', '');
    canvas.setAttribute('data-last-seq', '');
    canvas.setAttribute('data-dropped', '0');
    canvas.setAttribute('data-skipped', '0');
  }
  resetEcg();
  function validChunk(c) {
    return c && typeof c.seq === 'number' && typeof c.t0 === 'number' && typeof c.periodMs === 'number' && c.periodMs > 0 &&
      typeof c.factor === 'number' && Array.isArray(c.samples) && c.samples.length <= 4096;
  }
  function onEcg(data) {
    var c;
    try { c = JSON.parse(data); } catch (e) { return; }
    if (!validChunk(c)) return;
    if (ecg.next !== null && c.seq < ecg.next || ecg.buffer[c.seq]) { ecg.dropped++; canvas.setAttribute('data-dropped', String(ecg.dropped)); return; }
    ecg.buffer[c.seq] = c; ecg.count++;
    if (ecg.next === null) {
      // The channel is unordered: the first chunk to arrive may not be the first sent. Wait briefly for the others.
      if (!ecg.startTimer) ecg.startTimer = setTimeout(function () { ecg.next = lowest(); drain(); }, 150);
      if (ecg.count <= 4) return;
      clearTimeout(ecg.startTimer);
      ecg.next = lowest();
    }
    drain();
  }
  function lowest() { return Math.min.apply(null, Object.keys(ecg.buffer).map(Number)); }
  function drain() {
    // A chunk that never comes must not stall the trace: skip it once a few later ones wait.
    if (!ecg.buffer[ecg.next] && ecg.count > 4) {
      var low = lowest();
      ecg.skipped += low - ecg.next;
      canvas.setAttribute('data-skipped', String(ecg.skipped));
      ecg.next = low;
      ecg.last = null;
    }
    while (ecg.buffer[ecg.next]) {
      var chunk = ecg.buffer[ecg.next];
      delete ecg.buffer[ecg.next]; ecg.count--;
      drawChunk(chunk);
      ecg.next++;
    }
  }
  function drawChunk(c) {
    var w = canvas.width, h = canvas.height, mid = h / 2;
    var pxPerMs = 25 * PX_PER_MM / 1000;
    var pxPerMv = 10 * PX_PER_MM;
    if (ecg.origin === null) ecg.origin = c.t0;
    g.strokeStyle = '#111';
    g.lineWidth = 1.2;
    g.beginPath();
    for (var i = 0; i < c.samples.length; i++) {
      var tms = c.t0 + i * c.periodMs;
      var x = ((tms - ecg.origin) * pxPerMs) % w;
      if (x < 0) x += w;
      var y = mid - c.samples[i] * c.factor * pxPerMv;
      if (ecg.last === null || x < ecg.last.x || x - ecg.last.x > 4 * c.periodMs * pxPerMs + 1) {
        g.clearRect(x, 0, 14, h);
        g.moveTo(x, y);
      } else {
        g.clearRect(ecg.last.x + 1, 0, Math.max(1, x - ecg.last.x) + 12, h);
        g.moveTo(ecg.last.x, ecg.last.y);
        g.lineTo(x, y);
      }
      ecg.last = { x: x, y: y };
    }
    g.stroke();
    if (ecg.drawn === 0) canvas.setAttribute('data-first-seq', String(c.seq));
    ecg.drawn++;
    canvas.setAttribute('data-chunks', String(ecg.drawn));
    canvas.setAttribute('data-last-seq', String(c.seq));
  }

  // ── start ──
  applyChrome();
  api('GET', 'api/specialist/me')
    .then(function (r) { if (!r.ok) throw new Error('login'); return r.json(); })
    .then(function (b) { start(b.specialist); })
    .catch(function () { show('login'); });
})();
`;
