/**
 * A short two-tone alert beep made with WebAudio: no audio file to ship or cache. Browsers only let
 * a page play sound after a user gesture, so the context is created (or resumed) from the click that
 * turns the sound on.
 */
export class Beeper {
  private ctx: AudioContext | null = null;

  /** Call from a user gesture (the sound toggle). */
  async unlock(): Promise<void> {
    this.ctx ??= new AudioContext();
    if (this.ctx.state === 'suspended') await this.ctx.resume();
  }

  /** Plays the beep; silently nothing when the context was never unlocked. */
  beep(urgent: boolean): void {
    const ctx = this.ctx;
    if (!ctx || ctx.state !== 'running') return;
    const tones = urgent ? [880, 660, 880] : [660];
    let t = ctx.currentTime;
    for (const freq of tones) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = 'square';
      osc.frequency.value = freq;
      // Ramp in and out: a hard start or stop clicks.
      gain.gain.setValueAtTime(0.0001, t);
      gain.gain.exponentialRampToValueAtTime(0.15, t + 0.01);
      gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.14);
      osc.connect(gain).connect(ctx.destination);
      osc.start(t);
      osc.stop(t + 0.15);
      t += 0.18;
    }
  }

  close(): void {
    void this.ctx?.close();
    this.ctx = null;
  }
}
