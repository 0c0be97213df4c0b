// The project page's Build box answers as the number changes: it asks /projects/{id}/check?n=N
// and swaps the answer in (with its Start button, offered only when the shelf can). Without script the box is a GET form.
// The number goes as typed: the server says in words when it answers for another (2.5, 0, too many), and the
// field then shows the number the answer is for.
(function () {
  "use strict";
  var box = document.getElementById("build-box");
  if (!box) { return; }
  var input = document.getElementById("n");
  var asked = 0;
  function ask() {
    var typed = input.value.trim();
    if (!typed) { return; }  // half typed ("", "-", "2." read as ""): the last answer stays
    var mine = ++asked;
    fetch(box.dataset.check + "?n=" + encodeURIComponent(typed), { credentials: "same-origin" }).then(function (r) {
      return r.ok ? r.text() : null;
    }).then(function (html) {
      if (html === null || mine !== asked) { return; }  // an older answer arriving late is dropped
      var old = document.getElementById("buildable");
      var holder = document.createElement("div");
      holder.innerHTML = html;
      var fresh = holder.querySelector("#buildable");
      if (!old || !fresh) { return; }
      old.replaceWith(fresh);
      var used = fresh.dataset.n;
      if (used && input.value !== used) { input.value = used; }  // the note beside it says why
      history.replaceState(null, "", "?n=" + used);
    }).catch(function () { /* offline: the Check button still works */ });
  }
  input.addEventListener("input", ask);
  box.addEventListener("submit", function (e) { e.preventDefault(); ask(); });
}());
