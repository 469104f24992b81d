// The staff console's only script (served from this site; the CSP allows no other).
// Every page polls for new urgent hand-off tickets so they are seen without a reload:
// the nav shows how many urgent tickets are active, and a banner names the new ones.
(function () {
  "use strict";
  var POLL_MS = 10000;
  var badge = document.getElementById("urgent-count");
  var alertBox = document.getElementById("urgent-alert");
  if (!badge || !alertBox) { return; }  // not signed in
  var latestId = null;

  function showNew(tickets) {
    alertBox.textContent = "";
    var label = document.createElement("strong");
    label.textContent = tickets.length === 1 ? "New urgent ticket: " : "New urgent tickets: ";
    alertBox.appendChild(label);
    tickets.forEach(function (ticket, index) {
      if (index > 0) { alertBox.appendChild(document.createTextNode(", ")); }
      var link = document.createElement("a");
      link.href = ticket.url;
      link.textContent = ticket.reference;
      alertBox.appendChild(link);
    });
    alertBox.hidden = false;
  }

  function poll() {
    var url = "/api/queue/urgent?after=" + (latestId === null ? 0 : latestId);
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (reply) {
        if (reply.status === 401) { window.location.assign("/sign-in"); return null; }
        return reply.ok ? reply.json() : null;
      })
      .then(function (data) {
        if (!data) { return; }
        badge.textContent = data.active_urgent > 0 ? data.active_urgent + " urgent" : "";
        badge.hidden = data.active_urgent === 0;
        if (latestId !== null && data.tickets.length > 0) { showNew(data.tickets); }
        latestId = data.latest_id;
      })
      .catch(function () { /* the next poll tries again */ });
  }

  poll();
  window.setInterval(poll, POLL_MS);
}());
