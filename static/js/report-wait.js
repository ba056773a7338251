/* While a report is being prepared, ask the server every two seconds; download it as soon as it is ready. */
(function () {
  "use strict";
  const box = document.getElementById("report-wait");
  if (!box || !box.dataset.statusUrl) return;
  let tries = 0;
  function poll() {
    tries += 1;
    fetch(box.dataset.statusUrl, { credentials: "same-origin", cache: "no-store" })
      .then((r) => r.json())
      .then((data) => {
        if (data.ready) { window.location.reload(); return; }
        if (data.failed) { window.location.reload(); return; }
        if (tries < 150) setTimeout(poll, 2000);
      })
      .catch(() => { if (tries < 150) setTimeout(poll, 4000); });
  }
  setTimeout(poll, 1500);
})();
