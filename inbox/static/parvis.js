// Parvis in the browser: keyboard shortcuts, the reply composer, presence heartbeats.
// Live updates themselves are htmx + its SSE extension (attributes in the templates).
(function () {
  "use strict";

  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  function $(selector, root) { return (root || document).querySelector(selector); }
  function $all(selector, root) { return Array.prototype.slice.call((root || document).querySelectorAll(selector)); }
  function fold(text) { return (text || "").toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, ""); }

  function post(url, fields) {
    var data = new FormData();
    data.append("csrf_token", csrf);
    Object.keys(fields).forEach(function (key) {
      [].concat(fields[key]).forEach(function (value) { data.append(key, value); });
    });
    return fetch(url, { method: "POST", body: data, credentials: "same-origin", headers: { "HX-Request": "true" } });
  }

  function refreshLists() { document.body.dispatchEvent(new CustomEvent("inbox-changed")); }

  // Label colours come from data attributes (no inline styles: strict CSP).
  function paintSwatches(root) {
    $all(".swatch[data-color]", root).forEach(function (el) { el.style.backgroundColor = el.dataset.color; });
  }

  // ---- The list: selection, j/k, bulk selection ------------------------------------------------
  var list = $("#queue-rows");
  var selectedId = null;
  var selectedIndex = -1;

  function rows() { return $all("tr.conversation-row", list); }

  function select(index) {
    var all = rows();
    if (!all.length) return null;  // a list being swapped: keep the selection to restore it
    index = Math.max(0, Math.min(index, all.length - 1));
    all.forEach(function (row) { row.classList.remove("selected"); });
    var row = all[index];
    row.classList.add("selected");
    selectedId = row.dataset.conversationId;
    selectedIndex = index;
    sessionStorage.setItem("parvis:selected-index", String(index));
    var link = $("a.open", row);
    if (link) link.focus();
    return row;
  }

  function selectedRow() {
    if (selectedId === null) return null;
    return $("#row-" + selectedId, list);
  }

  function updateSelectedCount() {
    var counter = $("#selected-count");
    if (!counter) return;
    var n = $all('input[name="ids"]:checked').length;
    counter.textContent = counter.dataset.template.replace("{n}", n);
  }

  function listAction(kind) {
    var row = selectedRow();
    if (!row) return;
    var id = row.dataset.conversationId;
    var request;
    var leaves = true;
    if (kind === "resolve") request = post("/conversations/" + id + "/status", { status: "resolved" });
    else if (kind === "snooze") request = post("/conversations/" + id + "/status", { status: "snoozed", until: "tomorrow" });
    else if (kind === "hide") { request = post("/inbox/bulk", { ids: id, action: "hide", reason: "other" }); leaves = false; }
    else if (kind === "assign") { request = post("/conversations/" + id + "/assign", { assignee: "me" }); leaves = false; }
    if (!request) return;
    if (leaves) {
      // Optimistic: the row leaves at once, the live refresh confirms.
      var index = rows().indexOf(row);
      row.remove();
      select(index);
    }
    request.then(refreshLists);
  }

  if (list) {
    var stored = parseInt(sessionStorage.getItem("parvis:selected-index") || "-1", 10);
    if (stored >= 0 && rows().length) select(stored);
    // After settling, not after swapping: htmx's settle step gives rows that keep their id the
    // attributes sent by the server, which would wipe a "selected" class set any earlier.
    document.body.addEventListener("htmx:afterSettle", function (event) {
      if (event.target !== list) return;
      var checked = window.__parvisChecked || [];
      checked.forEach(function (id) {
        var box = $('input[name="ids"][value="' + id + '"]');
        if (box) box.checked = true;
      });
      updateSelectedCount();
      if (selectedId === null) return;
      var row = $("#row-" + selectedId, list);
      var active = document.activeElement;
      var focusInList = !active || active === document.body || list.contains(active);
      var index = row ? rows().indexOf(row) : selectedIndex;
      if (focusInList) { select(index); return; }
      // Someone is typing elsewhere (search, bulk form): keep the highlight, leave the focus alone.
      var all = rows();
      if (!all.length) return;
      index = Math.max(0, Math.min(index, all.length - 1));
      all[index].classList.add("selected");
      selectedId = all[index].dataset.conversationId;
      selectedIndex = index;
    });
    document.body.addEventListener("htmx:beforeSwap", function (event) {
      if (event.detail.target === list) {
        window.__parvisChecked = $all('input[name="ids"]:checked').map(function (box) { return box.value; });
      }
    });
    document.addEventListener("change", function (event) {
      if (event.target.name === "ids") updateSelectedCount();
    });
    list.addEventListener("focusin", function (event) {
      var row = event.target.closest("tr.conversation-row");
      if (row) {
        rows().forEach(function (r) { r.classList.toggle("selected", r === row); });
        selectedId = row.dataset.conversationId;
        selectedIndex = rows().indexOf(row);
      }
    });
  }

  // ---- The conversation page: composer, presence -----------------------------------------------
  var page = $(".conversation-page");
  var replyBody = $("#reply-body");
  var presenceState = "viewing";
  var pageToken = Math.random().toString(36).slice(2) + Date.now().toString(36);
  var lastTyped = 0;

  function heartbeat(state) {
    if (!page) return;
    presenceState = state;
    post(page.dataset.presenceUrl, { state: state, page: pageToken });
  }

  if (page) {
    heartbeat(replyBody && replyBody.value.trim() ? "replying" : "viewing");
    setInterval(function () {
      var typing = replyBody && replyBody.value.trim() && Date.now() - lastTyped < 30000;
      heartbeat(typing ? "replying" : "viewing");
    }, 10000);
    window.addEventListener("pagehide", function () {
      var data = new FormData();
      data.append("csrf_token", csrf);
      data.append("state", "left");
      data.append("page", pageToken);
      navigator.sendBeacon(page.dataset.presenceUrl, data);
    });
  }

  var counter = $("#reply-counter");
  function updateCounter() {
    if (!replyBody || !counter) return;
    var count = replyBody.value.length;
    var limit = parseInt(replyBody.dataset.limit || "0", 10);
    var text = limit ? counter.dataset.template.replace("{count}", count).replace("{limit}", limit)
                     : counter.dataset.templateNolimit.replace("{count}", count);
    var over = limit && count > limit;
    counter.textContent = over ? text + " " + counter.dataset.over : text;
    counter.classList.toggle("over", !!over);
    replyBody.setAttribute("aria-invalid", over ? "true" : "false");
  }

  // Saved replies: type "/" in the reply (or use the search box), arrows to choose, Enter to insert.
  var savedData = $("#saved-replies-data");
  var saved = savedData ? JSON.parse(savedData.textContent) : [];
  var savedList = $("#saved-reply-list");
  var savedSearch = $("#saved-reply-search");
  var matches = [];
  var active = 0;
  var source = null; // "slash" or "search"

  function slashQuery() {
    var before = replyBody.value.slice(0, replyBody.selectionStart);
    var found = before.match(/(^|\s)\/([^\s\/]*)$/);
    return found ? found[2] : null;
  }

  function renderSaved(query) {
    var q = fold(query);
    matches = saved.filter(function (item) {
      return !q || fold(item.title + " " + item.shortcut + " " + item.body).indexOf(q) !== -1;
    }).slice(0, 8);
    active = 0;
    savedList.innerHTML = "";
    matches.forEach(function (item, i) {
      var li = document.createElement("li");
      li.id = "saved-reply-" + item.id;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", i === active ? "true" : "false");
      li.dataset.index = i;
      var title = document.createElement("strong");
      title.textContent = item.title + " ";
      var meta = document.createElement("small");
      meta.textContent = "/" + item.shortcut + " · " + item.language;
      li.appendChild(title);
      li.appendChild(meta);
      savedList.appendChild(li);
    });
    savedList.hidden = matches.length === 0;
    highlight();
  }

  function highlight() {
    $all("li", savedList).forEach(function (li, i) { li.setAttribute("aria-selected", i === active ? "true" : "false"); });
    var target = source === "search" ? savedSearch : replyBody;
    if (matches.length) target.setAttribute("aria-activedescendant", "saved-reply-" + matches[active].id);
    else target.removeAttribute("aria-activedescendant");
  }

  function closeSaved() {
    savedList.hidden = true;
    matches = [];
    source = null;
    replyBody.removeAttribute("aria-activedescendant");
    if (savedSearch) savedSearch.removeAttribute("aria-activedescendant");
  }

  function insertSaved(item) {
    var value = replyBody.value;
    var caret = replyBody.selectionStart;
    var start = caret;
    if (source === "slash") {
      start = value.lastIndexOf("/", caret - 1);
    }
    replyBody.value = value.slice(0, start) + item.body + value.slice(caret);
    var position = start + item.body.length;
    var language = $("#reply-language");
    if (language) language.value = item.language;
    closeSaved();
    if (savedSearch) savedSearch.value = "";
    replyBody.focus();
    replyBody.setSelectionRange(position, position);
    lastTyped = Date.now();
    updateCounter();
    if (presenceState !== "replying") heartbeat("replying");
  }

  function savedKeys(event) {
    if (savedList.hidden || !matches.length) return false;
    if (event.key === "ArrowDown") { active = (active + 1) % matches.length; highlight(); }
    else if (event.key === "ArrowUp") { active = (active - 1 + matches.length) % matches.length; highlight(); }
    else if (event.key === "Enter" || event.key === "Tab") { insertSaved(matches[active]); }
    else if (event.key === "Escape") { closeSaved(); }
    else return false;
    event.preventDefault();
    return true;
  }

  if (replyBody && savedList) {
    updateCounter();
    replyBody.addEventListener("input", function () {
      lastTyped = Date.now();
      updateCounter();
      var wanted = replyBody.value.trim() ? "replying" : "viewing";
      if (wanted !== presenceState) heartbeat(wanted);
      var query = slashQuery();
      if (query !== null) { source = "slash"; renderSaved(query); } else if (source === "slash") closeSaved();
    });
    replyBody.addEventListener("keydown", function (event) { if (source === "slash") savedKeys(event); });
    if (savedSearch) {
      savedSearch.addEventListener("input", function () { source = "search"; renderSaved(savedSearch.value); });
      savedSearch.addEventListener("keydown", function (event) {
        if (source === "search" && savedKeys(event)) return;
        if (event.key === "Enter") event.preventDefault();
      });
    }
    savedList.addEventListener("mousedown", function (event) {
      var li = event.target.closest("li[data-index]");
      if (li) { event.preventDefault(); insertSaved(matches[parseInt(li.dataset.index, 10)]); }
    });
  }

  // Ctrl+Enter sends the reply or the note.
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && event.target.tagName === "TEXTAREA" && event.target.form) {
      event.preventDefault();
      event.target.form.requestSubmit();
    }
  });

  // ---- Shortcuts --------------------------------------------------------------------------------
  var dialog = $("#shortcuts");
  function showShortcuts() { if (dialog && !dialog.open) dialog.showModal(); }
  $all("[data-show-shortcuts]").forEach(function (button) { button.addEventListener("click", showShortcuts); });

  function typing(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }

  function focus(selector) {
    var el = $(selector);
    if (el) { el.focus(); return true; }
    return false;
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    if (dialog && dialog.open) return;
    var key = event.key;
    if (key === "?") { showShortcuts(); event.preventDefault(); return; }
    if (list) {
      if (key === "j") select(selectedIndex + 1);
      else if (key === "k") select(selectedIndex <= 0 ? 0 : selectedIndex - 1);
      else if (key === "Enter" && selectedId === null && rows().length) { select(0); window.location = $("a.open", rows()[0]).href; }
      else if (key === "x") {
        var row = selectedRow();
        var box = row && $('input[name="ids"]', row);
        if (box) { box.checked = !box.checked; updateSelectedCount(); }
      }
      else if (key === "e") listAction("resolve");
      else if (key === "a") listAction("assign");
      else if (key === "h") listAction("hide");
      else if (key === "s") listAction("snooze");
      else if (key === "/") focus("#search-q");
      else return;
      event.preventDefault();
      return;
    }
    if (page) {
      if (key === "r") focus("#reply-body");
      else if (key === "n") focus("#note-body");
      else if (key === "e") { var resolve = $("#resolve-button"); if (resolve) resolve.click(); }
      else if (key === "a") { var claim = $("#claim-button"); if (claim) claim.click(); }
      else if (key === "h") focus(".message.direction-in.visibility-visible .moderate select[name=reason]");
      else if (key === "s") focus("#snooze-until");
      else if (key === "/") focus("#saved-reply-search");
      else if (key === "u") window.location = $("[data-back]").href;
      else return;
      event.preventDefault();
    }
  });

  paintSwatches(document);
  document.body.addEventListener("htmx:afterSwap", function (event) { paintSwatches(event.target); });
  // Live stream (re)connected: after a gap, refresh what may have been missed meanwhile.
  var liveOpened = false;
  var liveStatus = $("#live-status");
  document.body.addEventListener("htmx:sseOpen", function () {
    if (liveOpened) refreshLists();
    liveOpened = true;
    document.documentElement.dataset.live = "1";
    if (liveStatus) liveStatus.hidden = true;
  });
  // The stream was refused (503: the server holds as many live pages as it may; 429: this
  // account holds as many as it may) or cannot be reached: say so; the SSE extension retries
  // with a growing delay, and sseOpen hides it again. EventSource does not tell the status, so
  // the notice asks /events/status which of the two it is: closing a tab helps only in the
  // second. A stream the server ends normally (every few minutes) reconnects at once, unshown.
  function showLiveReason(reason) {
    window.parvisLiveReason = reason;  // (browser tests wait on it)
    Array.prototype.forEach.call(liveStatus.querySelectorAll("[data-reason]"), function (text) {
      text.hidden = text.dataset.reason !== reason;
    });
  }
  document.body.addEventListener("htmx:sseError", function (event) {
    var source = event.detail && event.detail.source;
    if (!source || source.readyState !== 2) return;  // EventSource.CLOSED
    document.documentElement.dataset.live = "0";
    if (!liveStatus) return;
    liveStatus.hidden = false;
    fetch(liveStatus.dataset.statusUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (state) { showLiveReason(state && state.account_full ? "account" : "server"); })
      .catch(function () { showLiveReason("server"); });
  });
  // A refresh started by a live event (not by one's own action): every open page asks at once,
  // and the server may answer them all with one shared render of the same moment of the queue.
  document.body.addEventListener("htmx:configRequest", function (event) {
    var trigger = event.detail.triggeringEvent;
    if (trigger && typeof trigger.type === "string" && trigger.type.indexOf("sse:") === 0) {
      event.detail.headers["X-Parvis-Live"] = "1";
    }
  });
  document.documentElement.dataset.ready = "1";  // the shortcuts are live (browser tests wait on it)
})();
