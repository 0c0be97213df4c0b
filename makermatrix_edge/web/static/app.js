// The few lines of fetch() the pages need (no framework, nothing from the internet).
"use strict";
(function () {
  // A fragment answered by the login page means the session ended: go there instead of nesting it.
  function text(r) {
    if (r.redirected && r.url.indexOf("/login") !== -1) { window.location.href = r.url; return Promise.reject(401); }
    return r.ok ? r.text() : Promise.reject(r.status);
  }

  function fetchInto(url, target) {
    return fetch(url, { credentials: "same-origin" }).then(text).then(function (html) { target.innerHTML = html; });
  }

  // Results as you type: the /search fragment replaces the results list.
  document.querySelectorAll("input[data-live]").forEach(function (input) {
    var target = document.getElementById(input.dataset.target);
    var timer = null, seq = 0;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var mine = ++seq;
        var url = input.dataset.live + "?q=" + encodeURIComponent(input.value);
        fetch(url, { credentials: "same-origin" })
          .then(text)
          .then(function (html) { if (mine === seq) { target.innerHTML = html; } })
          .catch(function () { /* keep the last results; Enter still submits the form */ });
      }, 150);
    });
  });

  // The bench-camera feed: refreshed every few seconds while the page is visible.
  document.querySelectorAll("[data-poll]").forEach(function (el) {
    setInterval(function () {
      if (!document.hidden) { fetchInto(el.dataset.poll, el).catch(function () {}); }
    }, 4000);
  });

  // Label preview follows the chosen template; the print button says it is working.
  document.querySelectorAll("form[data-preview]").forEach(function (form) {
    var select = form.querySelector("select[name=template]");
    var img = form.querySelector("img.preview");
    if (select && img) {
      select.addEventListener("change", function () {
        img.src = form.dataset.preview + "?template=" + encodeURIComponent(select.value);
      });
    }
    form.addEventListener("submit", function () {
      var button = form.querySelector("button[type=submit]");
      if (button) { button.disabled = true; button.textContent = "Printing…"; }
    });
  });
})();
