// The live queue: rows arrive over server-sent events whenever they change, and
// every second the waiting times, SLA countdowns and due call-backs tick from the
// times each row carries. A new ticket can alert the agent (a short tone and a browser
// notification) once they opt in with the button: browsers allow both only after
// a click, and the choice is remembered in this browser.
(function () {
  const table = document.getElementById("queue");
  if (!table) return;
  const body = table.tBodies[0];
  const button = document.getElementById("notify");
  const OPT_IN = "careline-desk-alerts";
  let known = null;

  function optedIn() { return localStorage.getItem(OPT_IN) === "on"; }
  function showButton() {
    if (!button) return;
    button.hidden = false;
    button.textContent = optedIn() ? "Alerts on (click to stop)" : "Alert me to new tickets";
  }
  if (button) {
    showButton();
    button.addEventListener("click", function () {
      if (optedIn()) { localStorage.removeItem(OPT_IN); showButton(); return; }
      localStorage.setItem(OPT_IN, "on");
      if (window.Notification && Notification.permission === "default") {
        Notification.requestPermission();
      }
      tone();
      showButton();
    });
  }

  function tone() {
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;
    const context = new Context();
    const oscillator = context.createOscillator();
    const gain = context.createGain();
    oscillator.frequency.value = 880;
    gain.gain.setValueAtTime(0.15, context.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.001, context.currentTime + 0.4);
    oscillator.connect(gain).connect(context.destination);
    oscillator.start();
    oscillator.stop(context.currentTime + 0.4);
  }

  function alertNew(ids) {
    document.body.dataset.newTickets = String(ids.length);
    if (!optedIn()) return;
    tone();
    if (window.Notification && Notification.permission === "granted") {
      new Notification("New customer waiting", {body: ids.length + " new ticket(s) on the desk"});
    }
  }

  function clock(ms) {
    const seconds = Math.max(0, Math.floor(ms / 1000));
    const minutes = Math.floor(seconds / 60);
    return minutes ? minutes + " min " + String(seconds % 60).padStart(2, "0") + " s"
                   : seconds + " s";
  }

  function tick() {
    const now = Date.now();
    body.querySelectorAll("td.waiting[data-since]").forEach(function (cell) {
      cell.textContent = clock(now - Number(cell.dataset.since));
    });
    let breaches = 0;
    body.querySelectorAll("tr[data-ticket]").forEach(function (row) {
      const sla = row.querySelector("td.sla[data-deadline]");
      if (sla) {
        const left = Number(sla.dataset.deadline) - now;
        sla.textContent = left > 0 ? clock(left) + " left" : "breached " + clock(-left);
        sla.classList.toggle("breached", left <= 0);
        row.classList.toggle("breached", left <= 0);
      }
      if (row.classList.contains("breached")) breaches += 1;
      // a booked call back is due from five minutes before its time
      if (row.dataset.callback) {
        row.classList.toggle("callback-due", now >= Number(row.dataset.callback) - 300000);
      }
    });
    const counter = document.getElementById("breaches");
    counter.textContent = breaches;
    counter.classList.toggle("some", breaches > 0);
  }

  if (window.EventSource) {
    const source = new EventSource(table.dataset.stream);
    source.addEventListener("message", function (event) {
      const queue = JSON.parse(event.data);
      body.innerHTML = queue.html;  // rendered and escaped by the desk
      document.getElementById("open-count").textContent = queue.open;
      const fresh = known ? queue.tickets.filter(function (id) { return !known.has(id); }) : [];
      known = new Set(queue.tickets);
      if (fresh.length) alertNew(fresh);
      tick();
    });
  }
  tick();
  setInterval(tick, 1000);
})();
