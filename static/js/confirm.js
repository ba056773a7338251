// A form with data-confirm asks before it is sent (an action that cannot be undone says so in its words).
document.addEventListener("submit", function (event) {
  var form = event.target;
  var message = form && form.getAttribute && form.getAttribute("data-confirm");
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
}, true);
