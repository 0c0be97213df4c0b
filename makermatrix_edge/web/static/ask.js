// The Ask page: post the question to /ask/stream and show the answer as it streams in (NDJSON lines).
// Without fetch streaming the form still posts normally and the page comes back with the answer.
"use strict";
(function () {
  var form = document.getElementById("ask-form");
  // The question box is several lines tall; Enter still asks (Shift+Enter starts a new line).
  if (form && form.requestSubmit) {
    form.elements.message.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); form.requestSubmit(); }
    });
  }
  if (!form || !window.fetch || !window.TextDecoder || !window.ReadableStream) { return; }
  var box = document.getElementById("ask-result");
  var status = document.getElementById("ask-status");
  var text = document.getElementById("ask-answer");
  var confidence = document.getElementById("ask-confidence");
  var parts = document.getElementById("ask-parts");
  var button = form.querySelector("button");
  var TOOL_WORDS = {
    lookup_component: "Looking the part up…", check_inventory: "Checking the stock…",
    find_equivalents: "Looking for replacements…", parametric_search: "Searching by specs…",
    inventory_cost: "Adding up the inventory…", log_action: "Writing to the log…"
  };

  function show(event) {
    if (event.type === "token") {
      text.textContent += event.text;
      status.textContent = "The model is writing (checked against the inventory when done)…";
    } else if (event.type === "queued") {
      status.textContent = "Waiting for the model: " + event.ahead + " question(s) ahead of you…";
    } else if (event.type === "tool") {
      text.textContent = "";
      status.textContent = TOOL_WORDS[event.name] || "Working…";
    } else if (event.type === "answer") {
      // The checked answer replaces the streamed draft; its notes are said in the page's words (web/ask.py).
      var answer = event.answer, admin = false;
      (event.notes || []).forEach(function (n) {
        answer = answer.split(n).join("");
        if (n.indexOf("Admins:") === 0) { admin = true; }
      });
      text.textContent = answer.replace(/\s+/g, " ").trim();
      status.textContent = event.degraded
        ? (box.dataset.without + (admin && box.dataset.admin ? " " + box.dataset.admin : ""))
        : "Answered by " + event.model;
      confidence.textContent = event.confidence;
      parts.textContent = "";
      event.parts.forEach(function (p) {
        var li = document.createElement("li");
        var a = document.createElement("a");
        a.href = "/p/" + encodeURIComponent(p.part_id);
        a.textContent = p.part_number;
        li.appendChild(a);
        parts.appendChild(li);
      });
    } else if (event.type === "error") {
      status.textContent = event.message;
    }
  }

  form.addEventListener("submit", function (e) {
    var message = form.elements.message.value.trim();
    if (!message) { return; }
    e.preventDefault();
    box.hidden = false;
    text.textContent = "";
    confidence.textContent = "…";
    parts.textContent = "";
    status.textContent = "Thinking…";
    button.disabled = true;
    fetch(form.dataset.stream, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": document.body.dataset.csrf },
      body: JSON.stringify({ message: message })
    }).then(function (r) {
      // Refused (busy) or redirected: let the plain form post show what went wrong, in words.
      if (!r.ok || !r.body || r.redirected) { form.submit(); return null; }
      var reader = r.body.getReader();
      var decoder = new TextDecoder();
      var buffer = "";
      function pump() {
        return reader.read().then(function (chunk) {
          if (chunk.done) { return; }
          buffer += decoder.decode(chunk.value, { stream: true });
          var lines = buffer.split("\n");
          buffer = lines.pop();
          lines.forEach(function (line) { if (line) { show(JSON.parse(line)); } });
          return pump();
        });
      }
      return pump();
    }).catch(function () {
      status.textContent = "The connection broke; try again.";
    }).then(function () { button.disabled = false; });
  });
})();
