// The little the pages script: print buttons, the back link of error pages, and the
// supervision dashboard's live counts over SSE. Every page works without it.
(function () {
  document.querySelectorAll('[data-print]').forEach(function (b) {
    b.addEventListener('click', function () { window.print(); });
  });
  document.querySelectorAll('[data-back]').forEach(function (a) {
    a.addEventListener('click', function (e) { e.preventDefault(); history.back(); });
  });
  if (!window.EventSource || !document.getElementById('live-red')) return;
  var source = new EventSource('/admin/supervision/live');
  source.addEventListener('counts', function (e) {
    var c = JSON.parse(e.data);
    document.getElementById('live-red').textContent = c.red;
    document.getElementById('live-yellow').textContent = c.yellow;
    document.getElementById('live-findings').textContent = c.open_findings;
    document.getElementById('live-urgings').textContent = c.pending_urgings;
  });
})();
// The online application: a field asked only under a condition is shown when it holds, and
// what is typed is saved to the server as the applicant goes (the page works without this:
// its buttons save and submit the whole form).
(function () {
  var form = document.getElementById('application');
  if (!form) return;
  function valueOf(name) {
    var el = form.elements[name.indexOf('.') < 0 ? 'a.' + name : name];
    return el ? el.value || '' : '';
  }
  function applyConditions() {
    form.querySelectorAll('[data-shown-when]').forEach(function (box) {
      var rule = box.getAttribute('data-shown-when');
      var eq = rule.indexOf('=');
      var current = valueOf(eq < 0 ? rule : rule.slice(0, eq));
      box.hidden = eq < 0 ? current === '' : current !== rule.slice(eq + 1);
    });
  }
  applyConditions();
  var url = form.getAttribute('data-autosave');
  var timer = null;
  var status = document.getElementById('saved-at');
  function save() {
    var body = new URLSearchParams();
    new FormData(form).forEach(function (v, k) { if (typeof v === 'string' && k !== 'op') body.append(k, v); });
    fetch(url, { method: 'POST', body: body, credentials: 'same-origin',
                 headers: { 'X-CSRF-Token': form.elements._csrf.value } })
      .then(function (r) {
        if (r.status === 409) { if (status) status.textContent = '此申请已在其他页面或设备上修改，请刷新后继续。'; return null; }
        return r.ok ? r.json() : null;
      })
      .then(function (j) {
        if (!j) return;
        form.elements.revision.value = j.revision;
        if (status) status.textContent = '已自动保存：' + j.saved_at;
      })
      .catch(function () { if (status) status.textContent = '自动保存失败，请点击“保存草稿”。'; });
  }
  form.addEventListener('input', function (e) {
    applyConditions();
    if (!url || e.target.type === 'file') return;
    clearTimeout(timer);
    timer = setTimeout(save, 800);
  });
  form.addEventListener('change', applyConditions);
})();
// 网上挂牌: the auction panel follows the live feed (each bid and the result as they happen) and
// counts down the listing or the timed round by the server's clock; at zero it asks the server
// where the auction stands. Without script the page shows the state as it was loaded.
(function () {
  var panel = document.getElementById('auction');
  if (!panel || !window.EventSource) return;
  var lot = panel.getAttribute('data-lot');
  var clock = document.getElementById('auction-clock');
  var skew = Number(panel.getAttribute('data-now')) - Date.now();
  var endsAt = Number(clock.getAttribute('data-ends-at'));
  var asked = false;
  var rows = document.querySelectorAll('#auction-offers tr');
  var shown = rows.length;
  function two(n) { return (n < 10 ? '0' : '') + n; }
  function time(ms) {
    var d = new Date(ms + 8 * 3600 * 1000);
    return d.getUTCFullYear() + '-' + two(d.getUTCMonth() + 1) + '-' + two(d.getUTCDate()) + ' ' +
      two(d.getUTCHours()) + ':' + two(d.getUTCMinutes()) + ':' + two(d.getUTCSeconds());
  }
  function yuan(fen) { return (fen / 100).toFixed(2); }
  function cell(label, text) {
    var td = document.createElement('td');
    td.setAttribute('data-label', label);
    td.textContent = text;
    return td;
  }
  function tick() {
    if (!endsAt) { clock.textContent = ''; return; }
    var s = Math.max(0, Math.floor((endsAt - (Date.now() + skew)) / 1000));
    var d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60);
    clock.textContent = (d > 0 ? d + ' 天 ' : '') + two(h) + ':' + two(m) + ':' + two(s % 60);
    if (s === 0 && !asked) {
      asked = true;
      setTimeout(function () {
        fetch('/api/v1/trading/lots/' + lot + '/auction').then(function (r) { return r.json(); }).then(show);
      }, 1000);
    }
  }
  var phases = { upcoming: '距挂牌开始', listing: '距挂牌截止', round: '限时竞价倒计时', ended: '竞价已结束' };
  function show(a) {
    skew = a.now - Date.now();
    asked = false;
    var p = a.phase;
    endsAt = p.phase === 'upcoming' ? p.opens_at : (p.phase === 'ended' ? 0 : p.ends_at);
    document.getElementById('auction-phase').textContent = phases[p.phase];
    panel.classList.toggle('round', p.phase === 'round');
    var last = a.offers[a.offers.length - 1];
    document.getElementById('auction-price').textContent = last ? last.amount : '暂无报价';
    document.getElementById('auction-next').textContent = p.phase === 'ended' ? '—' : yuan(a.next_minimum_fen);
    // Events carry the last bids only: add the new ones; after a gap, ask for them all.
    var body = document.getElementById('auction-offers');
    var first = a.offers[0];
    if (first && first.seq > shown + 1) {
      fetch('/api/v1/trading/lots/' + lot + '/auction').then(function (r) { return r.json(); }).then(show);
      return;
    }
    a.offers.forEach(function (o) {
      if (o.seq <= shown) return;
      var tr = document.createElement('tr');
      tr.appendChild(cell('序号', o.seq));
      tr.appendChild(cell('竞买号', o.bidder_no + ' 号'));
      tr.appendChild(cell('报价（元）', o.amount));
      tr.appendChild(cell('报价时间', time(o.at)));
      tr.appendChild(cell('日志位置', '第 ' + o.log_seq + ' 条'));
      body.insertBefore(tr, body.firstChild);
      shown = o.seq;
    });
    var empty = document.getElementById('auction-empty');
    if (empty) empty.hidden = a.offers.length > 0;
    var result = document.getElementById('auction-result');
    if (p.phase === 'ended') {
      result.hidden = false;
      result.textContent = a.winner ? '竞得人：' + a.winner + '，成交价 ' + (last ? last.amount : '') + ' 元。'
        : (p.outcome.result === 'won' ? '竞价已结束，正在确认结果。'
          : (p.outcome.result === 'no_bids' ? '挂牌期间无人报价，流拍。' : '最高报价未达到底价，流拍。'));
      var form = panel.querySelector('form.auction-bid');
      if (form) form.hidden = true;
    }
    var amount = document.getElementById('amount');
    if (amount && document.activeElement !== amount) amount.value = yuan(a.next_minimum_fen);
    tick();
  }
  var source = new EventSource('/trading/lots/' + lot + '/live');
  source.addEventListener('auction', function (e) { show(JSON.parse(e.data)); });
  setInterval(tick, 1000);
})();
