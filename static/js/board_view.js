// How the program board is shown: normal, compact, or fitted to the screen, at a zoom, and the wall
// display. Kept per user in this browser; nothing here changes the plan.
(function () {
  "use strict";
  var main = document.getElementById("board-main");
  var select = document.getElementById("board-mode");
  if (!main || !select) return;
  var KEY = "artops.boardView." + (main.dataset.user || "");
  var MODES = ["normal", "compact", "fit"];
  var STEP = 0.1, MIN = 0.3, MAX = 1.5;
  var output = document.getElementById("zoom-level");
  var zoomIn = document.getElementById("zoom-in");
  var zoomOut = document.getElementById("zoom-out");
  var wall = document.getElementById("wall-mode");

  function clamp(zoom) { return Math.min(MAX, Math.max(MIN, Math.round(zoom * 100) / 100)); }
  var view = {};
  try { view = JSON.parse(localStorage.getItem(KEY)) || {}; } catch (e) { view = {}; }
  if (MODES.indexOf(view.mode) < 0) view.mode = "normal";
  view.zoom = clamp(Number(view.zoom) || 1);
  var params = new URLSearchParams(window.location.search);
  if (params.get("view") && MODES.indexOf(params.get("view")) >= 0) view.mode = params.get("view");
  var onWall = params.get("wall") === "1";

  function save() { localStorage.setItem(KEY, JSON.stringify({ mode: view.mode, zoom: view.zoom })); }

  // The largest zoom at which the whole grid shows in the window below its top. Searched rather
  // than computed: zoomed out, the grid widens to the window and its cells hold more cards a row.
  function fitZoom(grid, wrap) {
    var room = window.innerHeight - wrap.getBoundingClientRect().top - 8;
    function fits(zoom) {
      grid.style.zoom = zoom;
      var size = grid.getBoundingClientRect();
      return size.height <= room && size.width <= wrap.clientWidth + 1;
    }
    if (fits(MAX)) return MAX;
    var low = MIN, high = MAX;
    for (var i = 0; i < 8; i++) {
      var mid = (low + high) / 2;
      if (fits(mid)) low = mid; else high = mid;
    }
    return Math.floor(low * 100) / 100;
  }

  function apply() {
    var fit = onWall || view.mode === "fit";
    document.body.classList.toggle("board-compact", fit || view.mode === "compact");
    document.body.classList.toggle("board-fit", fit);
    document.body.classList.toggle("board-wall", onWall);
    select.value = onWall ? "fit" : view.mode;
    select.disabled = onWall;
    wall.textContent = onWall ? "Leave wall display" : "Wall display";
    wall.setAttribute("aria-pressed", onWall ? "true" : "false");
    var grid = main.querySelector(".board-grid");
    var wrap = document.getElementById("board-wrap");
    if (!grid || !wrap) return;
    var zoom = fit ? fitZoom(grid, wrap) : view.zoom;
    grid.style.zoom = zoom;
    output.textContent = Math.round(zoom * 100) + "%";
    zoomIn.disabled = fit || zoom >= MAX;
    zoomOut.disabled = fit || zoom <= MIN;
    if (window.artopsBoard) window.artopsBoard.drawStrings();
  }

  select.addEventListener("change", function () {
    if (MODES.indexOf(select.value) >= 0) view.mode = select.value;
    save();
    apply();
  });
  zoomIn.addEventListener("click", function () { view.zoom = clamp(view.zoom + STEP); save(); apply(); });
  zoomOut.addEventListener("click", function () { view.zoom = clamp(view.zoom - STEP); save(); apply(); });

  // The wall display: the whole screen, the board fitted, the page's chrome hidden. Esc leaves it.
  wall.addEventListener("click", function () {
    onWall = !onWall;
    if (onWall && document.documentElement.requestFullscreen) {
      document.documentElement.requestFullscreen().then(apply, function () {});
    } else if (!onWall && document.fullscreenElement) {
      document.exitFullscreen();
    }
    apply();
  });
  document.addEventListener("fullscreenchange", function () {
    if (!document.fullscreenElement && onWall) { onWall = false; apply(); }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && onWall && !document.fullscreenElement) { onWall = false; apply(); }
  });

  var pending = null;
  function applySoon() { cancelAnimationFrame(pending); pending = requestAnimationFrame(apply); }
  window.addEventListener("resize", function () { if (onWall || view.mode === "fit") applySoon(); });
  document.body.addEventListener("htmx:afterSettle", applySoon);  // a new board body
  document.body.addEventListener("board:applied", function () { if (onWall || view.mode === "fit") applySoon(); });
  apply();
})();
