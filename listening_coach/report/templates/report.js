(function () {
  var audio = document.getElementById("recording");
  var stopAt = null;
  if (audio) {
    audio.addEventListener("timeupdate", function () {
      if (stopAt !== null && audio.currentTime >= stopAt) { audio.pause(); stopAt = null; }
    });
  }
  document.querySelectorAll("button.play").forEach(function (button) {
    button.addEventListener("click", function () {
      if (!audio) { return; }
      audio.currentTime = parseFloat(button.dataset.start);
      stopAt = parseFloat(button.dataset.end);
      var played = audio.play();
      if (played && played.catch) { played.catch(function () {}); }
    });
  });
  function buildCorrections() {
    var lines = [];
    var reviewed = {};
    document.querySelectorAll("input.reviewed:checked").forEach(function (box) {
      reviewed[box.dataset.exchange] = true;
    });
    document.querySelectorAll("select.fix").forEach(function (sel) {
      if (!sel.value) { return; }
      reviewed[sel.dataset.exchange] = true;
      if (sel.classList.contains("fix-label")) {
        var parts = sel.value.split("/");
        lines.push("", "[[label]]", "exchange = " + sel.dataset.exchange,
                   'label = "' + parts[0] + '"');
        if (parts[1]) { lines.push('subtype = "' + parts[1] + '"'); }
        if (parseInt(sel.dataset.count, 10) > 1) { lines.push("utterance = " + sel.dataset.utterance); }
      } else {
        lines.push("", "[[event]]", "at = " + sel.dataset.at, 'was = "' + sel.dataset.was + '"',
                   'kind = "' + sel.value + '"');
      }
    });
    var ids = Object.keys(reviewed).map(Number).sort(function (a, b) { return a - b; });
    var text = ["reviewed = [" + ids.join(", ") + "]"].concat(lines).join("\n") + "\n";
    var area = document.getElementById("corrections-text");
    var link = document.getElementById("corrections-download");
    if (area) { area.value = text; area.textContent = text; }
    if (link) { link.href = "data:text/plain;charset=utf-8," + encodeURIComponent(text); }
    return text;
  }
  document.querySelectorAll("select.fix, input.reviewed").forEach(function (el) {
    el.addEventListener("change", buildCorrections);
  });
  window.buildCorrections = buildCorrections;
  buildCorrections();
  document.body.dataset.cards = String(document.querySelectorAll("section.exchange").length);
  document.body.dataset.timeline = String(document.querySelectorAll("#timeline svg").length);
  document.body.dataset.injected = String(Boolean(window.__injected));
  document.body.dataset.errors = String(window.__reportErrors.length);
  var sink = document.getElementById("js-errors");
  if (sink) { sink.textContent = window.__reportErrors.join("\n"); }
  document.body.dataset.ready = "1";
})();
