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

  // Fallback when the live socket cannot open: refresh every few seconds while the page is visible.
  var polling = false;
  function startPolling() {
    if (polling) { return; }
    polling = true;
    document.querySelectorAll("[data-poll]").forEach(function (el) {
      fetchInto(el.dataset.poll, el).catch(function () {});  // catch up on what the socket missed
      setInterval(function () {
        if (!document.hidden) { fetchInto(el.dataset.poll, el).catch(function () {}); }
      }, 4000);
    });
  }

  var FEED_SIZE = 8;
  // The phone's own clock face for a UTC stamp (the server renders the Pi's zone; they match on a LAN).
  function localClock(stamp) {
    var t = new Date(String(stamp || ""));
    return isNaN(t) ? String(stamp || "").slice(11, 19) : t.toTimeString().slice(0, 8);
  }
  function scanItem(d) {
    var li = document.createElement("li");
    var what;
    if (d.part) {
      what = document.createElement("a");
      what.href = "/p/" + encodeURIComponent(d.part.id);
      what.textContent = d.part.part_name;
    } else {
      what = document.createElement("span");
      what.textContent = d.message || "Unknown code";
    }
    var when = document.createElement("span");
    when.className = "muted";
    when.textContent = (d.source || "") + " · " + localClock(d.scanned_at);
    li.appendChild(what);
    li.appendChild(document.createTextNode(" "));
    li.appendChild(when);
    return li;
  }

  function showScan(feed, d) {
    if (d.source === "image" || d.source === "phone") { return; }  // a phone's photo or bag: answered on its page
    var list = feed.querySelector("ul.feed");
    if (!list) {
      feed.innerHTML = "";
      list = document.createElement("ul");
      list.className = "feed";
      feed.appendChild(list);
    }
    list.insertBefore(scanItem(d), list.firstChild);
    while (list.children.length > FEED_SIZE) { list.removeChild(list.lastChild); }
  }

  // The take limit follows the live quantity, so the field never offers more than is there.
  function followQuantity(q) {
    document.querySelectorAll("input[data-max-live]").forEach(function (input) {
      input.max = String(Math.max(1, q));
    });
  }

  // A page that answers a photo (the scan's result) opens at the answer, not at the form above it.
  var here = document.querySelector("[data-scroll-here]");
  if (here && !document.body.dataset.kept) { here.scrollIntoView({ block: "start" }); }

  // After a failed post the page comes back with what was typed: put it back into that form.
  var kept = document.body.dataset.kept;
  if (kept) {
    try {
      var k = JSON.parse(kept);
      var names = Object.keys(k.fields);
      // Several forms may post to one address (take, add): the one holding the typed fields.
      var form = Array.prototype.filter.call(document.forms, function (f) {
        return f.getAttribute("action") === k.action && names.every(function (n) {
          var el = f.elements.namedItem(n);
          return el && el.type !== "hidden";
        });
      })[0];
      if (form) {
        // A form inside a closed panel ("Move some to another place"): open it, or the reason and the
        // typed values would sit out of sight and the tap would look like it did nothing.
        for (var box = form.parentNode; box; box = box.parentNode) {
          if (box.tagName === "DETAILS") { box.open = true; }
        }
        names.forEach(function (name) {
          var field = form.elements.namedItem(name);
          if (field && field.type !== "hidden" && field.type !== "password" && field.type !== "file") {
            field.value = k.fields[name];
          }
        });
        // The reason goes beside the form it is about (a print form is far down the page), in view.
        var reason = document.getElementById("failed");
        if (reason) {
          form.parentNode.insertBefore(reason, form);
          reason.scrollIntoView({ block: "center" });
        }
        var first = form.querySelector("input:not([type=hidden]), select, textarea");
        if (first) { first.focus({ preventScroll: Boolean(reason) }); }
      }
    } catch (e) { /* a message without its form is still shown */ }
  }

  // Live updates from /ws/events with the short-lived token the page was given.
  var token = document.body.dataset.liveToken;
  var feed = document.querySelector("[data-feed=scan]");
  var holder = document.querySelector("[data-live-part]");
  var quantity = holder ? holder.querySelector("#quantity") : null;
  if (token && "WebSocket" in window && (feed || quantity)) {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var socket;
    try {
      socket = new WebSocket(scheme + window.location.host + "/ws/events?token=" + encodeURIComponent(token));
    } catch (e) {
      socket = null;
    }
    if (!socket) {
      startPolling();
    } else {
      socket.addEventListener("message", function (ev) {
        var msg;
        try { msg = JSON.parse(ev.data); } catch (e) { return; }
        // The server subscribes before it says hello: from here on no event is missed.
        if (msg.type === "connection") { document.body.dataset.live = "open"; return; }
        if (msg.type === "ping") { socket.send(JSON.stringify({ type: "pong" })); return; }
        if (msg.type === "scan" && feed && msg.data) { showScan(feed, msg.data); return; }
        if (msg.type === "entity_updated" && quantity && msg.data && msg.data.entity_type === "part" &&
            msg.data.entity_id === holder.dataset.livePart && msg.data.entity_data) {
          quantity.textContent = String(msg.data.entity_data.quantity);
          followQuantity(msg.data.entity_data.quantity);
        }
      });
      // Refused, dropped or the token expired: the feed keeps working by polling.
      socket.addEventListener("close", function () { document.body.dataset.live = "closed"; startPolling(); });
    }
  } else {
    startPolling();
  }

  // The place picker: its list refetched as you type (best match first), the chosen place kept.
  document.querySelectorAll("input[data-places]").forEach(function (input) {
    var target = document.getElementById(input.dataset.target);
    var timer = null, seq = 0;
    function refresh() {
      var mine = ++seq;
      var chosen = target.querySelector("input[type=radio]:checked");
      var url = input.dataset.places + "&q=" + encodeURIComponent(input.value) +
        (chosen ? "&selected=" + encodeURIComponent(chosen.value) : "");
      fetch(url, { credentials: "same-origin" })
        .then(text)
        .then(function (html) { if (mine === seq) { target.innerHTML = html; } })
        .catch(function () { /* keep the last list */ });
    }
    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(refresh, 150); });
    if (input.value !== input.defaultValue) { refresh(); }  // a search put back after a failed post: its list
    // Enter searches; in a bigger form it must not send that form half filled in.
    input.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter" && input.form && input.form.method === "post") {
        ev.preventDefault();
        clearTimeout(timer);
        refresh();
      }
    });
  });

  // A backup in progress: follow it every 2 s until it has ended, then stop.
  document.querySelectorAll("[data-poll-while]").forEach(function (el) {
    function tick() {
      if (!el.querySelector("[data-running]")) { return; }
      setTimeout(function () {
        fetchInto(el.dataset.pollWhile, el).then(tick).catch(function () {});
      }, 2000);
    }
    tick();
  });

  // The "More" menu closes with Escape or a tap elsewhere, like any menu.
  var more = document.querySelector("details.more");
  if (more) {
    document.addEventListener("keydown", function (ev) { if (ev.key === "Escape") { more.open = false; } });
    document.addEventListener("click", function (ev) { if (!more.contains(ev.target)) { more.open = false; } });
  }

  // A photo is read as soon as it is chosen (the camera opens at once through capture="environment").
  document.querySelectorAll("input[type=file][data-autosubmit]").forEach(function (input) {
    input.addEventListener("change", function () {
      if (!input.files || !input.files.length) { return; }
      var form = input.form;
      var button = form.querySelector("button[type=submit]");
      if (button) { button.disabled = true; button.textContent = "Reading the photo…"; }
      form.submit();
    });
  });

  // Label preview follows the chosen template; the print button says it is working.
  document.querySelectorAll("form[data-preview]").forEach(function (form) {
    var select = form.querySelector("select[name=template]");
    var img = form.querySelector("img.preview");
    if (select && img) {
      var follow = function () { img.src = form.dataset.preview + "?template=" + encodeURIComponent(select.value); };
      select.addEventListener("change", follow);
      if (select.value) { follow(); }  // a template kept after a failed print
    }
    form.addEventListener("submit", function () {
      var button = form.querySelector("button[type=submit]");
      if (button) { button.disabled = true; button.textContent = "Printing…"; }
    });
  });

  // Every tap counts once. The server is the guarantee (a form's action id is done once, a repeat gets
  // the first answer); this only spares the second trip: a sent form's buttons rest until the answer.
  function actionId() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function resting(form, on) {
    form.querySelectorAll("button[type=submit], button:not([type])").forEach(function (b) {
      b.disabled = on;
      if (on) { b.setAttribute("aria-busy", "true"); } else { b.removeAttribute("aria-busy"); }
    });
  }
  document.querySelectorAll("form[method=post]").forEach(function (form) {
    if (!form.elements.namedItem("action_id")) {  // a form written without form_keys(): give it one
      var field = document.createElement("input");
      field.type = "hidden";
      field.name = "action_id";
      field.value = actionId();
      form.appendChild(field);
    }
  });
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (ev.defaultPrevented || !(form instanceof HTMLFormElement)) { return; }  // a fetch() form (ask.js)
    if ((form.getAttribute("method") || "").toLowerCase() !== "post") { return; }
    if (form.dataset.sent) { ev.preventDefault(); return; }
    form.dataset.sent = "1";
    // After this tick: the browser has already read the form (a disabled button would drop out of it).
    setTimeout(function () { resting(form, true); }, 0);
    // No answer for long (a dropped network): the buttons work again; a repeat gets the first answer.
    setTimeout(function () { delete form.dataset.sent; resting(form, false); }, 15000);
  });
  // Back to a page the browser kept (bfcache): its buttons work again.
  window.addEventListener("pageshow", function (ev) {
    if (!ev.persisted) { return; }
    document.querySelectorAll("form[data-sent]").forEach(function (form) { delete form.dataset.sent; resting(form, false); });
  });
  // Ticked parts in a list: the one "Move selected to …" button says how many (lists swapped in by
  // the live search too, hence one listener on the document).
  document.addEventListener("change", function (ev) {
    var box = ev.target;
    if (!box.classList || !box.classList.contains("tick")) { return; }
    var form = document.getElementById(box.getAttribute("form"));
    var button = form && form.querySelector("button[type=submit]");
    if (!button) { return; }
    var n = document.querySelectorAll("input.tick[form='" + form.id + "']:checked").length;
    button.textContent = n ? "Move " + n + " selected to …" : "Move selected to …";
  });
})();
