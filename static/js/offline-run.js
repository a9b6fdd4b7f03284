// The player for a routine started with no connection (templates offline/run.html). The
// service worker sends a Start tapped offline here: /offline/run/?routine=<slug>&lead_in=1.
// This module writes the run's data where js/player.js reads it (#player-data); player.js,
// the next module on the page, then runs it with an OfflineRecorder (player/offline.js).

const routines = JSON.parse(document.getElementById("offline-routines").textContent);
const params = new URLSearchParams(location.search);
const routine = routines[params.get("routine")];

if (!routine) {
  document.getElementById("offline-missing").hidden = false;
} else {
  const leadIn = params.get("lead_in") === "1";
  const kept = (p) => leadIn || p.kind !== "ready";
  const phases = routine.phases.filter(kept);
  const progress = routine.progress.filter((_, i) => kept(routine.phases[i]));
  const clientId = crypto.randomUUID(); // a secure context, as the service worker needs
  document.title = `${routine.title} · Unknot`;
  const data = {
    phases,
    progress,
    title: routine.title,
    state: {
      id: clientId,
      phase: 0,
      phase_count: phases.length,
      remaining_ms: phases[0].duration_ms,
      paused: false,
      finished: false,
      ended_early: false,
      skipped: [],
    },
    urls: { page: routine.url },
    offline: {
      client_id: clientId,
      routine: params.get("routine"),
      lead_in: leadIn,
      started_at: Date.now(),
    },
  };
  const node = document.createElement("script");
  node.type = "application/json";
  node.id = "player-data";
  node.textContent = JSON.stringify(data);
  const player = document.getElementById("player");
  player.prepend(node);
  player.hidden = false;
}
