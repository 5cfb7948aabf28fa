/* The questionnaire, better with JavaScript: every change is saved at once through the JSON
 * API (PUT /api/v1/sessions/{token}/answers), with a small saved/saving indicator, retries,
 * a live progress bar, a word count, a countdown for timed parts and seconds per item.
 * Without it (or when the API is not reachable) the form post saves the page: nothing here
 * is needed for the page to work. No framework, no build step. */
(function () {
  "use strict";

  var form = document.querySelector("form.questionnaire");
  var stringsNode = document.getElementById("questionnaire-strings");
  if (!form || !stringsNode || !window.fetch || !window.JSON) {
    return;
  }
  var strings = JSON.parse(stringsNode.textContent);
  var apiUrl = form.getAttribute("data-api");
  var total = parseInt(form.getAttribute("data-total"), 10) || 0;
  var answeredElsewhere = parseInt(form.getAttribute("data-answered-elsewhere"), 10) || 0;
  var csrfField = form.querySelector('input[name="csrf_token"]');
  var secondsField = form.querySelector('input[name="seconds_json"]');
  var statusNode = document.querySelector("[data-save-status]");
  var progressNode = document.querySelector("[data-progress]");
  var progressText = document.querySelector("[data-progress-text]");
  var savedNote = document.querySelector("[data-saved-note]");
  var savedNoteWithoutScript = savedNote ? savedNote.textContent : "";
  var items = Array.prototype.slice.call(form.querySelectorAll("[data-item]"));

  var TEXT_DELAY = 800; // ms of quiet typing before a text answer is saved
  var MAX_STEP = 300; // s: longer pauses between answers are not counted as time on an item
  var pending = {}; // item id -> value not yet confirmed by the server
  var spent = {}; // item id -> seconds spent on it on this page
  var lastMark = Date.now();
  var inFlight = false;
  var again = false;
  var sendSeconds = true;
  var mode = form.hasAttribute("data-time-up") ? "off" : "api"; // "api", "fallback" or "off"
  var retryDelay = 0;
  var retryTimer = null;
  var textTimers = {};

  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (whole, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : whole;
    });
  }

  function setStatus(text, kind) {
    if (!statusNode) return;
    statusNode.textContent = text || "";
    statusNode.className = "q-save" + (kind ? " is-" + kind : "");
  }

  function checked(el, name) {
    var found = [];
    var inputs = el.querySelectorAll("input");
    for (var i = 0; i < inputs.length; i++) {
      if (inputs[i].name === name && inputs[i].checked) found.push(inputs[i].value);
    }
    return found;
  }

  function optionIds(el) {
    var ids = [];
    var inputs = el.querySelectorAll("input");
    for (var i = 0; i < inputs.length; i++) {
      var suffix = inputs[i].name.slice(el.getAttribute("data-item").length + 1);
      if (ids.indexOf(suffix) === -1) ids.push(suffix);
    }
    return ids;
  }

  /* The item's answer as the API expects it, or undefined while it is not complete. */
  function valueOf(el) {
    var id = el.getAttribute("data-item");
    var type = el.getAttribute("data-type");
    var picks;
    if (type === "likert") {
      picks = checked(el, id);
      return picks.length ? parseInt(picks[0], 10) : undefined;
    }
    if (type === "choice") {
      picks = checked(el, id);
      return picks.length ? picks[0] : undefined;
    }
    if (type === "multiple_choice") {
      picks = checked(el, id).sort();
      return picks.length ? picks : undefined;
    }
    if (type === "best_worst") {
      var best = checked(el, id + ":best")[0];
      var worst = checked(el, id + ":worst")[0];
      return best && worst && best !== worst ? { best: best, worst: worst } : undefined;
    }
    if (type === "forced_choice") {
      /* One pick alone is saved too: the server keeps it as a partial block. */
      var most = checked(el, id + ":most")[0];
      var least = checked(el, id + ":least")[0];
      if (most && least && most === least) return undefined;
      if (!most && !least) return undefined;
      var pick = {};
      if (most) pick.most = most;
      if (least) pick.least = least;
      return pick;
    }
    if (type === "rate_each") {
      var ratings = {};
      var options = optionIds(el);
      for (var i = 0; i < options.length; i++) {
        var rating = checked(el, id + ":" + options[i])[0];
        if (rating === undefined) return undefined;
        ratings[options[i]] = parseInt(rating, 10);
      }
      return options.length ? ratings : undefined;
    }
    if (type === "text") {
      var text = el.querySelector("textarea").value;
      return text.trim() ? text : undefined;
    }
    return undefined;
  }

  function updateProgress() {
    var done = 0;
    for (var i = 0; i < items.length; i++) {
      var value = valueOf(items[i]);
      var complete = value !== undefined &&
        (items[i].getAttribute("data-type") !== "forced_choice" || (value.most && value.least));
      if (complete) {
        done += 1;
        items[i].classList.remove("q-missing");
      }
    }
    var answered = Math.min(total, answeredElsewhere + done);
    if (progressNode) progressNode.value = answered;
    if (progressText) progressText.textContent = format(strings.progress, { answered: answered, total: total });
  }

  function markTime(id) {
    var now = Date.now();
    var step = Math.min((now - lastMark) / 1000, MAX_STEP);
    lastMark = now;
    spent[id] = Math.round(((spent[id] || 0) + step) * 10) / 10;
    if (secondsField) secondsField.value = JSON.stringify(spent);
  }

  function detail(body) {
    if (!body) return "";
    var d = body.detail !== undefined ? body.detail : body.message;
    if (typeof d === "string") return d;
    if (d && typeof d.message === "string") return d.message;
    if (Array.isArray(d) && d.length && d[0].msg) return d[0].msg;
    return "";
  }

  function scheduleRetry() {
    retryDelay = Math.min(retryDelay ? retryDelay * 2 : 2000, 30000);
    clearTimeout(retryTimer);
    retryTimer = setTimeout(flush, retryDelay);
  }

  /* The promise under the form says what is true: saved at once while the API answers,
     saved by the buttons otherwise. */
  function showSavedNote() {
    if (savedNote) savedNote.textContent = mode === "api" ? strings.autosaved : savedNoteWithoutScript;
  }

  function toFallback() {
    mode = "fallback";
    setStatus(strings.fallback, "");
    showSavedNote();
  }

  function send(batch, keepalive) {
    var body = { answers: batch };
    if (sendSeconds) {
      var seconds = {};
      var any = false;
      for (var id in batch) {
        if (spent[id] !== undefined) {
          seconds[id] = spent[id];
          any = true;
        }
      }
      if (any) body.seconds = seconds;
    }
    var headers = { "Content-Type": "application/json", Accept: "application/json" };
    if (csrfField) headers["X-CSRF-Token"] = csrfField.value;
    return fetch(apiUrl, {
      method: "PUT",
      headers: headers,
      body: JSON.stringify(body),
      credentials: "same-origin",
      keepalive: !!keepalive,
    });
  }

  function flush() {
    if (mode !== "api") return;
    var batch = {};
    var count = 0;
    for (var id in pending) {
      batch[id] = pending[id];
      count += 1;
    }
    if (!count) return;
    if (inFlight) {
      again = true;
      return;
    }
    inFlight = true;
    clearTimeout(retryTimer);
    setStatus(strings.saving, "");
    send(batch)
      .then(function (response) {
        return response
          .json()
          .catch(function () {
            return null;
          })
          .then(function (body) {
            return { status: response.status, ok: response.ok, body: body };
          });
      })
      .then(
        function (result) {
          inFlight = false;
          if (result.ok) {
            retryDelay = 0;
            for (var id in batch) {
              if (JSON.stringify(pending[id]) === JSON.stringify(batch[id])) delete pending[id];
            }
            setStatus(strings.saved, "saved");
          } else if (result.status === 404 || result.status === 405 || result.status === 501) {
            toFallback(); // no API here (or the link stopped working): the form post saves
            return;
          } else if (result.status === 422 && sendSeconds && Array.isArray(result.body && result.body.detail)) {
            sendSeconds = false; // an API that does not take "seconds": send answers alone
            again = true;
          } else if (result.status >= 400 && result.status < 500) {
            var named = result.body && result.body.item && form.querySelector('[data-item="' + result.body.item + '"]');
            if (named) named.classList.add("q-invalid");
            mode = "off";
            setStatus(detail(result.body) || strings.fallback, "error");
            showSavedNote();
            return;
          } else {
            setStatus(strings.retry, "error");
            scheduleRetry();
            return;
          }
          if (again) {
            again = false;
            flush();
          }
        },
        function () {
          inFlight = false;
          setStatus(strings.retry, "error");
          scheduleRetry();
        }
      );
  }

  function changed(el, immediate) {
    var id = el.getAttribute("data-item");
    var value = valueOf(el);
    updateProgress();
    if (value === undefined) return;
    markTime(id);
    pending[id] = value;
    if (mode !== "api") return;
    clearTimeout(textTimers[id]);
    if (immediate) {
      flush();
    } else {
      textTimers[id] = setTimeout(flush, TEXT_DELAY);
    }
  }

  function itemOf(node) {
    while (node && node !== form) {
      if (node.hasAttribute && node.hasAttribute("data-item")) return node;
      node = node.parentNode;
    }
    return null;
  }

  /* Best/worst and most/least like me: choosing an option on one side clears it on the other. */
  function keepPicksApart(el, input) {
    var type = el.getAttribute("data-type");
    if ((type !== "best_worst" && type !== "forced_choice") || input.type !== "radio") return;
    var id = el.getAttribute("data-item");
    var sides = type === "best_worst" ? [":best", ":worst"] : [":most", ":least"];
    var other = input.name === id + sides[0] ? id + sides[1] : id + sides[0];
    var inputs = el.querySelectorAll("input");
    for (var i = 0; i < inputs.length; i++) {
      if (inputs[i].name === other && inputs[i].value === input.value && inputs[i].checked) {
        inputs[i].checked = false;
      }
    }
  }

  form.addEventListener("change", function (event) {
    var el = itemOf(event.target);
    if (!el || event.target.tagName === "TEXTAREA") return;
    keepPicksApart(el, event.target);
    changed(el, true);
  });

  form.addEventListener("input", function (event) {
    var el = itemOf(event.target);
    if (!el || event.target.tagName !== "TEXTAREA") return;
    countWords(event.target);
    changed(el, false);
  });

  /* Leaving the page: send what is still unsaved (the browser keeps the request alive). */
  function leave() {
    if (mode !== "api" || inFlight) return;
    var batch = {};
    var any = false;
    for (var id in pending) {
      batch[id] = pending[id];
      any = true;
    }
    if (any) {
      try {
        send(batch, true);
      } catch (e) {
        /* the form post remains */
      }
    }
  }
  window.addEventListener("pagehide", leave);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") leave();
  });

  /* Word count of text answers. */
  function countWords(area) {
    var out = area.parentNode.querySelector("[data-word-count]");
    if (!out) return;
    var words = area.value.trim() ? area.value.trim().split(/\s+/).length : 0;
    var min = parseInt(area.getAttribute("data-min-words"), 10) || 0;
    var max = parseInt(area.getAttribute("data-max-words"), 10) || 0;
    var text = format(strings.words, { count: words, min: min, max: max });
    var short = words < min;
    var long = max && words > max;
    if (short) text += " " + format(strings.words_short, { more: min - words });
    if (long) text += " " + format(strings.words_long, { fewer: words - max });
    out.textContent = text;
    out.classList.toggle("is-out", words > 0 && (short || long));
    /* the server's note on the stored answer is replaced by the live count */
    var note = area.parentNode.querySelector("[data-word-limit]");
    if (note) note.hidden = true;
  }
  var areas = form.querySelectorAll("textarea[data-min-words]");
  for (var a = 0; a < areas.length; a++) countWords(areas[a]);

  /* Countdown of a timed part; the server enforces the time, this only shows it. */
  var timer = document.querySelector("[data-remaining]");
  if (timer) {
    var end = Date.now() + (parseInt(timer.getAttribute("data-remaining"), 10) || 0) * 1000;
    var tick = function () {
      var left = Math.max(0, Math.round((end - Date.now()) / 1000));
      var text = Math.floor(left / 60) + ":" + ("0" + (left % 60)).slice(-2);
      timer.textContent = format(strings.time_left, { time: text });
      timer.classList.toggle("is-low", left <= 60);
      if (left > 0) {
        setTimeout(tick, 1000 - ((end - Date.now()) % 1000 || 0));
        return;
      }
      timeUp();
    };
    var timeUp = function () {
      if (mode === "fallback") {
        // No API: post the form now, inside the server's grace period, to keep the answers.
        var action = document.createElement("input");
        action.type = "hidden";
        action.name = "action";
        action.value = "next";
        form.appendChild(action);
        form.submit();
        return;
      }
      flush(); // the server still takes answers sent within its grace period
      var fieldsets = form.querySelectorAll("[data-item]");
      for (var i = 0; i < fieldsets.length; i++) fieldsets[i].disabled = true;
      timer.textContent = strings.time_over;
      var note = document.createElement("p");
      note.className = "notice q-message";
      note.setAttribute("role", "status");
      note.textContent = strings.time_up;
      form.parentNode.insertBefore(note, form);
    };
    tick();
  }

  showSavedNote();
  updateProgress();
})();
