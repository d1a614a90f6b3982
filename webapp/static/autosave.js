// Saves the levels chosen on a self-assessment area or an evaluator's rating sheet as they are
// chosen, so that closing the tab loses nothing. Any form with data-autosave-url takes part. The form keeps working without this script (the Save button).
// Evidence fields (data-no-autosave) are left to the Save button: they may carry files.
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosave-url]");
  if (!form || !window.fetch || !window.FormData) { return; }
  var url = form.getAttribute("data-autosave-url");
  var status = document.getElementById("autosave-status");
  var versionInput = form.querySelector("input[name=version]");
  var timer = null;
  var inFlight = false;
  var pending = false;
  var stopped = false;
  // The Save button sends everything on the page; an autosave still on its way would make it
  // name an old version and meet a conflict of the person's own making, so Save waits for it.
  var submitAfterSave = null;

  function say(text, kind) {
    status.textContent = text;
    status.className = "autosave-status small" + (kind ? " is-" + kind : "");
  }

  function payload() {
    var data = new FormData();
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.disabled || el.hasAttribute("data-no-autosave")) { return; }
      if (el.type === "submit" || el.type === "file") { return; }
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) { return; }
      data.append(el.name, el.value);
    });
    return data;
  }

  function save() {
    if (stopped) { return; }
    if (inFlight) { pending = true; return; }
    inFlight = true;
    say("Saving…", "saving");
    var token = form.querySelector("input[name=csrf_token]");
    fetch(url, {
      method: "POST",
      body: payload(),
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": token ? token.value : "" }
    }).then(function (response) {
      return response.json().then(function (body) { return { status: response.status, body: body }; },
        function () { return { status: response.status, body: {} }; });
    }).then(function (result) {
      inFlight = false;
      if (result.status === 200) {
        versionInput.value = result.body.version;
      }
      if (submitAfterSave) { resubmit(); return; }
      if (result.status === 200) {
        say(result.body.message, "saved");
        if (pending) { pending = false; save(); }
      } else if (result.status === 409) {
        stopped = true;
        say((result.body.message || "This page changed elsewhere.") +
            " Automatic saving has stopped; press Save to keep what is on this page.", "error");
      } else {
        say(result.body.message || "Your last change could not be saved. Press Save to try again.", "error");
      }
    }).catch(function () {
      inFlight = false;
      if (submitAfterSave) { resubmit(); return; }
      say("You seem to be offline: your last change is not saved yet. Press Save when you are back online.", "error");
    });
  }

  function schedule() {
    window.clearTimeout(timer);
    timer = window.setTimeout(save, 400);
  }

  function resubmit() {
    var submitter = submitAfterSave;
    submitAfterSave = null;
    if (form.requestSubmit && submitter instanceof HTMLElement) { form.requestSubmit(submitter); }
    else { form.submit(); }
  }

  form.addEventListener("submit", function (event) {
    window.clearTimeout(timer);
    if (inFlight) {
      event.preventDefault();
      submitAfterSave = event.submitter || true;
      say("Saving…", "saving");
      return;
    }
    stopped = true;
  });

  form.addEventListener("change", function (event) {
    var el = event.target;
    if (el && el.name && !el.hasAttribute("data-no-autosave") && el.type === "radio") { schedule(); }
  });
})();
