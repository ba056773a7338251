/*
 * The admin form of a periodic task (django-celery-beat): says the chosen crontab schedule in words.
 * A file rather than django-celery-beat's inline script, so that the Content-Security-Policy holds.
 */
(function () {
  "use strict";
  const $ = window.django && window.django.jQuery;
  const data = document.getElementById("readable-crontabs");
  if (!$ || !data) return;
  const _ = window.gettext || ((s) => s);
  const interpolate = window.interpolate || ((fmt, args) => fmt.replace("%s", args[0]));
  const readable = JSON.parse(data.textContent);
  const help = $(".field-crontab .help");
  const original = help.html();

  $(".field-crontab_translation").hide();
  $(".field-crontab").on("change", function () {
    const words = readable[$("#id_crontab").val()];
    help.html(original);
    if (words) help.append("<br>", document.createTextNode(interpolate(_("In words: %s"), [words])));
  });
})();
