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
  document.body.dataset.cards = String(document.querySelectorAll("section.exchange").length);
  document.body.dataset.timeline = String(document.querySelectorAll("#timeline svg").length);
  document.body.dataset.injected = String(Boolean(window.__injected));
  document.body.dataset.errors = String(window.__reportErrors.length);
  var sink = document.getElementById("js-errors");
  if (sink) { sink.textContent = window.__reportErrors.join("\n"); }
  document.body.dataset.ready = "1";
})();
