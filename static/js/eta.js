// Time left in a run from a moving rate: episodes per second over the most recent window
// of at least one save interval, so the evaluation and checkpoint pause that follows every
// save interval is part of the rate, and a run that slows down is followed.
const MIN_WINDOW = 20; // episodes

export class EtaEstimator {
  constructor() {
    this.reset();
  }

  // saveInterval: the run's (null when unknown: the whole run so far is the window).
  reset(saveInterval = null) {
    this.saveInterval = saveInterval;
    this.episodes = []; // (n,) increasing
    this.elapsed = []; // (n,) seconds since the start, at each episode
  }

  add(episode, elapsed) {
    const n = this.episodes.length;
    if (n && episode <= this.episodes[n - 1]) return;
    this.episodes.push(episode);
    this.elapsed.push(elapsed);
  }

  // Seconds left until `total` episodes, or NaN before the first episode.
  remaining(total) {
    const n = this.episodes.length;
    if (!n) return NaN;
    const episode = this.episodes[n - 1];
    const now = this.elapsed[n - 1];
    const window = this.saveInterval ? Math.max(this.saveInterval, MIN_WINDOW) : episode;
    const from = this.firstAtOrAfter(episode - window);
    const [e0, t0] = from < n - 1 && episode - window > 0 ? [this.episodes[from], this.elapsed[from]] : [0, 0];
    const rate = (episode - e0) / (now - t0); // episodes per second
    return rate > 0 && Number.isFinite(rate) ? (total - episode) / rate : NaN;
  }

  // Index of the first recorded episode >= `episode` (binary search).
  firstAtOrAfter(episode) {
    let low = 0;
    let high = this.episodes.length - 1;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (this.episodes[mid] < episode) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}
