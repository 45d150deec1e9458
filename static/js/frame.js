// Coalesces DOM work into one animation frame: however many progress events
// arrive between two frames, each registered callback runs once.
const pending = new Set();
let requested = false;

function flush() {
  requested = false;
  const callbacks = [...pending];
  pending.clear();
  for (const callback of callbacks) callback();
}

export function onNextFrame(callback) {
  pending.add(callback);
  if (!requested) {
    requested = true;
    requestAnimationFrame(flush);
  }
}
