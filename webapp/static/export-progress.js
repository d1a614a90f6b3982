// Follows a bulk export job: asks the server for its status every two seconds and updates the
// progress bar, the message and the download link. Without JavaScript the page still works:
// its "Refresh" link shows the latest state.
(function () {
  "use strict";
  var box = document.getElementById("export-job");
  if (!box || !window.fetch) { return; }
  var url = box.getAttribute("data-status-url");
  var status = document.getElementById("export-status");
  var bar = document.getElementById("export-progress");
  var message = document.getElementById("export-message");
  var download = document.getElementById("export-download");
  var refresh = document.getElementById("export-refresh");
  var finished = { done: true, failed: true };
  var failures = 0;

  function show(data) {
    status.textContent = data.status.charAt(0).toUpperCase() + data.status.slice(1);
    bar.max = data.total || 1;
    bar.value = data.progress;
    bar.textContent = data.percent + " %";
    message.textContent = data.message;
    if (data.download_url) {
      download.classList.remove("d-none");
      download.querySelector("a").href = data.download_url;
    }
    if (finished[data.status] && refresh) { refresh.classList.add("d-none"); }
  }

  function poll() {
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error("status " + response.status); }
        return response.json();
      })
      .then(function (data) {
        failures = 0;
        show(data);
        if (!finished[data.status]) { window.setTimeout(poll, 2000); }
      })
      .catch(function () {
        failures += 1;
        if (failures < 5) { window.setTimeout(poll, 4000); }
      });
  }

  if (!finished[box.getAttribute("data-status")]) { window.setTimeout(poll, 1000); }
})();
