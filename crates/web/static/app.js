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
