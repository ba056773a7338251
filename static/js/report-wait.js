/* While a report is being prepared, ask the server every two seconds. Once it is ready the page says so, shows
   the download link and starts the download (a PDF is an attachment: the page itself stays, and must not keep
   saying "being prepared"). A failure reloads the page, which then says what to do. */
(function () {
  "use strict";
  const box = document.getElementById("report-wait");
  if (!box || !box.dataset.statusUrl) return;
  let tries = 0;
  function ready() {
    const heading = document.getElementById("report-wait-heading");
    const text = document.getElementById("report-wait-text");
    const link = document.getElementById("report-wait-link");
    if (heading && heading.dataset.ready) heading.textContent = heading.dataset.ready;
    if (text && text.dataset.ready) text.textContent = text.dataset.ready;
    if (link) {
      link.hidden = false;
      window.location.assign(link.querySelector("a").href);
    }
  }
  function poll() {
    tries += 1;
    fetch(box.dataset.statusUrl, { credentials: "same-origin", cache: "no-store" })
      .then((r) => r.json())
      .then((data) => {
        if (data.ready) { ready(); return; }
        if (data.failed) { window.location.reload(); return; }
        if (tries < 150) setTimeout(poll, 2000);
      })
      .catch(() => { if (tries < 150) setTimeout(poll, 4000); });
  }
  setTimeout(poll, 1500);
})();
