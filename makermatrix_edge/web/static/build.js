// The project page's Build box answers as the number changes: it asks /projects/{id}/check?n=N
// and swaps the answer in (with its Start button, offered only when the shelf can). Without script the box is a GET form.
(function () {
  "use strict";
  var box = document.getElementById("build-box");
  if (!box) { return; }
  var input = document.getElementById("n");
  var asked = 0;
  function ask() {
    var n = parseInt(input.value, 10);
    if (!(n >= 1 && n <= parseInt(input.max, 10))) { return; }
    var mine = ++asked;
    fetch(box.dataset.check + "?n=" + n, { credentials: "same-origin" }).then(function (r) {
      return r.ok ? r.text() : null;
    }).then(function (html) {
      if (html === null || mine !== asked) { return; }  // an older answer arriving late is dropped
      var old = document.getElementById("buildable");
      var holder = document.createElement("div");
      holder.innerHTML = html;
      var fresh = holder.querySelector("#buildable");
      if (old && fresh) { old.replaceWith(fresh); }
      history.replaceState(null, "", "?n=" + n);
    }).catch(function () { /* offline: the Check button still works */ });
  }
  input.addEventListener("input", ask);
  box.addEventListener("submit", function (e) { e.preventDefault(); ask(); });
}());
