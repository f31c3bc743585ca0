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
