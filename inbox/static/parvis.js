// Live updates: the server relays Redis pub/sub events over SSE; pages refresh what they show.
(function () {
  "use strict";
  if (!window.EventSource) return;
  var list = document.querySelector("[data-live-list]");
  var thread = document.querySelector(".thread");
  if (!list && !thread) return;
  var source = new EventSource("/events");
  var reloadTimer = null;
  function reloadSoon() {
    if (reloadTimer) return;
    reloadTimer = setTimeout(function () {
      var typing = document.activeElement && /TEXTAREA|INPUT|SELECT/.test(document.activeElement.tagName);
      if (typing) {
        var notice = document.getElementById("live-notice");
        if (notice) notice.hidden = false;
        reloadTimer = null;
        return;
      }
      window.location.reload();
    }, 400);
  }
  source.onmessage = function (event) {
    var data;
    try { data = JSON.parse(event.data); } catch (e) { return; }
    if (list) { reloadSoon(); return; }
    var id = window.location.pathname.match(/conversations\/(\d+)/);
    if (id && String(data.conversation_id) === id[1]) reloadSoon();
  };
})();
