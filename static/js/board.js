// The program board: drag and drop, keyboard moves, dialogs, live refresh and dependency strings.
// Plain JS on top of htmx (loaded by base.html); every action also works as a plain link or form.
(function () {
  "use strict";
  var dragging = false;
  var dialogBox = document.getElementById("dialog-box");
  var toast = document.getElementById("toast");
  var toastTimer = null;

  function say(message, kind) {
    if (!toast || !message) return;
    toast.textContent = message;
    toast.className = "toast " + (kind || "info");
    toast.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { toast.hidden = true; }, kind === "error" ? 9000 : 3500);
  }

  function refreshBoard() {
    htmx.ajax("GET", window.location.pathname + window.location.search, { target: "#board-main", swap: "innerHTML" });
  }

  function closeDialog() { if (dialogBox && dialogBox.open) dialogBox.close(); }

  // --- dialogs -----------------------------------------------------------------------------------
  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target.id === "dialog" && dialogBox) {
      // A move answers with out-of-band cells only: nothing to show, and the dialog stays closed.
      if (!event.detail.target.textContent.trim()) { closeDialog(); return; }
      if (!dialogBox.open) dialogBox.showModal();
      var first = dialogBox.querySelector(".has-error input, .has-error select, input:not([type=hidden]), select, textarea");
      if (first) first.focus();
    }
  });
  document.body.addEventListener("click", function (event) {
    if (event.target.closest(".close-dialog")) closeDialog();
  });
  document.body.addEventListener("board:saved", function (event) {
    closeDialog();
    say(event.detail && event.detail.message, "ok");
    refreshBoard();
  });
  document.body.addEventListener("board:moved", function (event) {
    closeDialog();
    say("Moved.", "ok");
    // The answer names the card's new place and version; the card itself is already on this board.
    var moved = event.detail || {};
    var card = document.getElementById("f-" + moved.id);
    var cell = document.getElementById(moved.cell);
    if (card && cell) {
      cell.appendChild(card);
      card.dataset.version = moved.version;
      if (card === document.activeElement || card.contains(document.activeElement)) card.focus();
    }
    // The move's answer already showed it: when it was the board's only change, the board is now at
    // the version the server names, and the next poll answers "nothing new" instead of a reload.
    var poll = document.getElementById("board-poll");
    var version = event.detail && event.detail.board_version;
    if (poll && version > Number(poll.dataset.version)) poll.dataset.version = version;
    // The strings the card provides, re-rated: the only ones whose health a move can change.
    (moved.strings || []).forEach(function (s) { strings[s.id] = s; });
    markRedCards();
    countStrings();
    redrawSoon();
  });
  // A refusal is shown by app.js in the page's alert area; the board only makes it visible (the
  // modal dialog would cover it) and, when the plan changed meanwhile (409), shows the current one.
  document.body.addEventListener("artops:refused", function (event) {
    closeDialog();
    if (event.detail.status === 409) refreshBoard();
  });

  // --- live refresh ------------------------------------------------------------------------------
  // A poll answers 204 (nothing new), the whole board body (htmx swaps it in), or what changed as
  // JSON (planning.views.board.board_changes), applied here card by card instead of a swap.
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    var from = event.detail.requestConfig && event.detail.requestConfig.elt;  // detail.elt is the target
    if (!from || from.id !== "board-poll" || xhr.status !== 200) return;
    if ((xhr.getResponseHeader("Content-Type") || "").indexOf("application/json") !== 0) return;
    event.detail.shouldSwap = false;
    applyChanges(JSON.parse(xhr.responseText));
  });

  function placeCard(card, cell) {
    // Cells list their cards by title, as the server renders them; the lane keeps its WSJF order
    // until the next full render, a changed card joining at its end.
    if (cell.id !== "lane-unplanned") {
      var title = card.querySelector(".ft").textContent.toLowerCase();
      var cards = cell.querySelectorAll(":scope > .fc");
      for (var i = 0; i < cards.length; i++) {
        if (cards[i].querySelector(".ft").textContent.toLowerCase() > title) { cell.insertBefore(card, cards[i]); return; }
      }
    }
    cell.appendChild(card);
  }

  function applyChanges(changes) {
    loadStrings();
    var focused = document.activeElement && document.activeElement.closest && document.activeElement.closest(".fc");
    var refocus = null;
    (changes.removed || []).forEach(function (id) {
      var card = document.getElementById("f-" + id);
      if (card) card.remove();
    });
    (changes.cards || []).forEach(function (change) {
      var old = document.getElementById("f-" + change.id);
      var cell = document.getElementById(change.cell);
      if (old) old.remove();
      if (!cell) return;  // a row this board does not show (team filter)
      var template = document.createElement("template");
      template.innerHTML = change.html.trim();
      var card = template.content.firstElementChild;
      placeCard(card, cell);
      if (old && old === focused) refocus = card;
    });
    (changes.removed_strings || []).forEach(function (id) { delete strings[id]; });
    (changes.strings || []).forEach(function (s) { strings[s.id] = s; });
    var poll = document.getElementById("board-poll");
    if (poll) poll.dataset.version = changes.version;
    if (refocus) refocus.focus();
    markRedCards();
    countStrings();
    countCards();
    redrawSoon();
    document.body.dispatchEvent(new CustomEvent("board:applied"));  // board_view.js fits again
  }

  // The card counters after cards came or went: the lane's and the board's.
  function countCards() {
    var lane = document.getElementById("lane-unplanned");
    var laneCount = document.querySelector(".lane .count");
    if (lane && laneCount) laneCount.textContent = lane.querySelectorAll(".fc").length;
    var shown = document.getElementById("card-count");
    if (shown) {
      var n = document.querySelectorAll("#board-main .fc").length;
      shown.querySelector("strong").textContent = n;
      shown.querySelector(".plural").textContent = n === 1 ? "" : "s";
    }
  }

  // Live refresh: skip a poll while a card is being dragged or a dialog is open, so nobody loses
  // what they are doing; the next poll catches up.
  document.body.addEventListener("htmx:beforeRequest", function (event) {
    if (event.detail.elt.id === "board-poll" && (dragging || (dialogBox && dialogBox.open))) event.preventDefault();
  });
  // The poll asks for changes since the version the board shows, and a move says which version the
  // mover's board shows, so the answer can bring it to the new one (see board:moved).
  document.body.addEventListener("htmx:configRequest", function (event) {
    var poll = document.getElementById("board-poll");
    if (!poll) return;
    if (event.detail.elt === poll) event.detail.parameters.since = poll.dataset.version;
    if (event.detail.verb === "post" && /\/move\/$/.test(event.detail.path)) {
      event.detail.parameters.board_version = poll.dataset.version;
    }
  });

  // --- moving cards ------------------------------------------------------------------------------
  function moveUrl(card) {
    return document.getElementById("board-main").dataset.moveBase + card.id.slice(2) + "/move/";
  }

  function move(card, cell) {
    htmx.ajax("POST", moveUrl(card), {
      swap: "none",
      values: { team: cell.dataset.team, iteration: cell.dataset.iteration, version: card.dataset.version },
    });
  }

  document.addEventListener("dragstart", function (event) {
    var card = event.target.closest && event.target.closest('.fc[draggable="true"]');
    if (!card) return;
    dragging = true;
    card.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.id);
  });
  document.addEventListener("dragend", function (event) {
    dragging = false;
    var card = event.target.closest && event.target.closest(".fc");
    if (card) card.classList.remove("dragging");
    document.querySelectorAll(".cell.drop").forEach(function (c) { c.classList.remove("drop"); });
  });
  document.addEventListener("dragover", function (event) {
    var cell = event.target.closest && event.target.closest(".cell[data-team]");
    if (!cell || !dragging) return;
    event.preventDefault();
    cell.classList.add("drop");
  });
  document.addEventListener("dragleave", function (event) {
    var cell = event.target.closest && event.target.closest(".cell[data-team]");
    if (cell && !cell.contains(event.relatedTarget)) cell.classList.remove("drop");
  });
  document.addEventListener("drop", function (event) {
    var cell = event.target.closest && event.target.closest(".cell[data-team]");
    if (!cell) return;
    event.preventDefault();
    cell.classList.remove("drop");
    var card = document.getElementById(event.dataTransfer.getData("text/plain"));
    if (card && card.parentElement !== cell) move(card, cell);
  });

  // Card links open in the dialog (one listener for the whole board keeps the cards light).
  document.addEventListener("click", function (event) {
    var card = event.target.closest && event.target.closest(".fc");
    if (!card) return;
    var url = null;
    if (event.target.closest(".mv")) url = moveUrl(card);
    else if (event.target.closest(".ft")) url = event.target.closest(".ft").getAttribute("href");
    if (!url) return;
    event.preventDefault();
    htmx.ajax("GET", url, { target: "#dialog", swap: "innerHTML" });
  });

  // Keyboard: "m" on a focused card opens its "Move to…" dialog (WCAG 2.5.7).
  document.addEventListener("keydown", function (event) {
    var card = event.target.classList && event.target.classList.contains("fc") ? event.target : null;
    if (!card) return;
    if (event.key === "m" || event.key === "M") {
      if (card.querySelector(".mv")) {
        event.preventDefault();
        htmx.ajax("GET", moveUrl(card), { target: "#dialog", swap: "innerHTML" });
      }
    }
  });

  // --- dependency strings ------------------------------------------------------------------------
  var SVG = "http://www.w3.org/2000/svg";

  // All strings of the board, by id: read from the page on every full render, patched by the
  // deltas a move answers with.
  var strings = {};
  var loadedFrom = null;
  function loadStrings() {
    var data = document.getElementById("strings-data");
    if (data && data !== loadedFrom) {
      loadedFrom = data;
      strings = {};
      JSON.parse(data.textContent || "[]").forEach(function (s) { strings[s.id] = s; });
    }
  }

  // The counters after a move: the board holds every string of the PI with its health as the
  // server rated it, and the move's answer replaced the ones whose health it could change.
  function countStrings() {
    var red = 0, amber = 0;
    Object.keys(strings).forEach(function (key) {
      if (strings[key].health === "conflict") red += 1;
      if (strings[key].health === "at_risk") amber += 1;
    });
    var redPill = document.getElementById("red-count");
    var amberPill = document.getElementById("amber-count");
    if (redPill) {
      redPill.querySelector("strong").textContent = red;
      redPill.querySelector(".plural").textContent = red === 1 ? "" : "s";
    }
    if (amberPill) amberPill.querySelector("strong").textContent = amber;
  }

  // A card is red when a conflicting string ends at it; a move may change that for the card at
  // the other end of a string, which the move's answer does not re-render.
  function markRedCards() {
    var red = {};
    Object.keys(strings).forEach(function (key) {
      var s = strings[key];
      if (s.health === "conflict") { red[s.from] = true; red[s.to] = true; }
    });
    document.querySelectorAll(".fc").forEach(function (card) {
      card.classList.toggle("red", !!red[card.id.slice(2)]);
    });
  }

  // Which strings are drawn: on a big train all 300 would hide the board, so by default only the
  // ones that need attention; a card's own strings always show on hover or focus.
  var MODES = { problems: { conflict: 1, at_risk: 1 }, all: { conflict: 1, at_risk: 1, healthy: 1, resolved: 1 }, none: {} };
  function mode() {
    var choice = localStorage.getItem("artops.stringsMode") || "problems";
    return MODES[choice] ? choice : "problems";
  }
  document.addEventListener("change", function (event) {
    if (event.target.id !== "strings-mode") return;
    localStorage.setItem("artops.stringsMode", event.target.value);
    redrawSoon();
  });

  function drawStrings() {
    var select = document.getElementById("strings-mode");
    if (select) select.value = mode();
    var shown = MODES[mode()];
    var wrap = document.getElementById("board-wrap");
    var svg = document.getElementById("strings");
    if (!wrap || !svg) return;
    loadStrings();
    // Sized to the board: measured without the layer itself, which would keep a board that got
    // smaller (zoom, fit, a filter) scrolling to the size it had.
    svg.setAttribute("width", 0);
    svg.setAttribute("height", 0);
    svg.setAttribute("width", wrap.scrollWidth);
    svg.setAttribute("height", wrap.scrollHeight);
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    Object.keys(strings).forEach(function (key) {
      var s = strings[key];
      if (!s.from || !s.to) return;
      var from = document.getElementById("f-" + s.from);
      var to = document.getElementById("f-" + s.to);
      if (!from || !to || !wrap.contains(from) || !wrap.contains(to)) return;
      var d = route(from, to, ((s.id % 5) - 2) * 2, wrap);
      var path = document.createElementNS(SVG, "path");
      path.setAttribute("d", d);
      path.setAttribute("class", "str " + s.health + (shown[s.health] ? "" : " off"));
      path.dataset.from = s.from;
      path.dataset.to = s.to;
      var title = document.createElementNS(SVG, "title");
      title.textContent = s.label;
      path.appendChild(title);
      svg.appendChild(path);
    });
  }

  // A string runs in the gutters between cells, never across a card's text: out of the providing
  // card's side into its cell's border, along that column's border to the row border of the
  // needing card's row, along it to that card's column, down its border and into the card.
  // `offset` sets strings that share a gutter a little apart. Rectangles are as seen (zoom
  // included), the path in the board's own scrolled coordinates.
  function route(from, to, offset, wrap) {
    var origin = wrap.getBoundingClientRect();
    var dx = origin.left - wrap.scrollLeft, dy = origin.top - wrap.scrollTop;
    var a = from.getBoundingClientRect(), b = to.getBoundingClientRect();
    var ca = from.closest(".cell").getBoundingClientRect(), cb = to.closest(".cell").getBoundingClientRect();
    var ay = a.top + a.height / 2, by = b.top + b.height / 2;
    var points;
    if (Math.abs(ca.left - cb.left) < 1) {  // same column: out on the right and back in
      var gx = ca.right + offset;
      points = [[a.right, ay], [gx, ay], [gx, by], [b.right, by]];
    } else {
      var rightward = cb.left > ca.left;
      var gxa = (rightward ? ca.right : ca.left) + offset;
      var gxb = (rightward ? cb.left : cb.right) + offset;
      var gy = (cb.top < ca.top - 1 ? cb.bottom : cb.top) + offset;  // the needing row's near border
      points = [[rightward ? a.right : a.left, ay], [gxa, ay], [gxa, gy], [gxb, gy], [gxb, by],
        [rightward ? b.left : b.right, by]];
    }
    return rounded(points.map(function (p) { return [p[0] - dx, p[1] - dy]; }), 6);
  }

  // An SVG path through the points with rounded corners (radius r, smaller on short legs).
  function rounded(points, r) {
    var d = "M" + points[0][0] + "," + points[0][1];
    for (var i = 1; i < points.length - 1; i++) {
      var p = points[i], prev = points[i - 1], next = points[i + 1];
      var inLen = Math.hypot(p[0] - prev[0], p[1] - prev[1]), outLen = Math.hypot(next[0] - p[0], next[1] - p[1]);
      var k = Math.min(r, inLen / 2, outLen / 2);
      if (!k) { d += " L" + p[0] + "," + p[1]; continue; }
      var x1 = p[0] - (p[0] - prev[0]) / inLen * k, y1 = p[1] - (p[1] - prev[1]) / inLen * k;
      var x2 = p[0] + (next[0] - p[0]) / outLen * k, y2 = p[1] + (next[1] - p[1]) / outLen * k;
      d += " L" + x1 + "," + y1 + " Q" + p[0] + "," + p[1] + " " + x2 + "," + y2;
    }
    var last = points[points.length - 1];
    return d + " L" + last[0] + "," + last[1];
  }

  function highlight(card, on) {
    if (!card) return;
    var id = card.id.slice(2);
    document.querySelectorAll('#strings path[data-from="' + id + '"], #strings path[data-to="' + id + '"]')
      .forEach(function (p) { p.classList.toggle("hl", on); });
  }
  ["mouseover", "focusin"].forEach(function (type) {
    document.addEventListener(type, function (e) { highlight(e.target.closest && e.target.closest(".fc"), true); });
  });
  ["mouseout", "focusout"].forEach(function (type) {
    document.addEventListener(type, function (e) { highlight(e.target.closest && e.target.closest(".fc"), false); });
  });

  var pending = null;
  function redrawSoon() { cancelAnimationFrame(pending); pending = requestAnimationFrame(drawStrings); }
  document.body.addEventListener("htmx:afterSettle", redrawSoon);
  document.body.addEventListener("htmx:oobAfterSwap", redrawSoon);
  window.addEventListener("resize", redrawSoon);
  if (window.ResizeObserver) {
    new ResizeObserver(redrawSoon).observe(document.body);
  }
  redrawSoon();
  window.artopsBoard = { drawStrings: drawStrings, refresh: refreshBoard };
})();
