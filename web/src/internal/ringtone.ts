/**
 * A ringtone made on the spot with Web Audio (no audio file to ship or fetch): the classic
 * 440 + 480 Hz pair, 2 s on, 4 s off. Browsers only let a page play sound after the person
 * has interacted with it; before that it stays silent (the call screen still shows), rather
 * than have the browser warn about a blocked AudioContext.
 */
export class Ringtone {
  #context: AudioContext | null = null;
  #timer: ReturnType<typeof setInterval> | null = null;

  start(): void {
    if (this.#context || !navigator.userActivation?.hasBeenActive) return;
    const context = new AudioContext();
    const gain = context.createGain();
    gain.gain.value = 0;
    gain.connect(context.destination);
    for (const frequency of [440, 480]) {
      const oscillator = context.createOscillator();
      oscillator.frequency.value = frequency;
      oscillator.connect(gain);
      oscillator.start();
    }
    const ring = () => {
      const t = context.currentTime;
      gain.gain.setValueAtTime(0.08, t);
      gain.gain.setValueAtTime(0, t + 2);
    };
    ring();
    this.#timer = setInterval(ring, 6000);
    this.#context = context;
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    void this.#context?.close();
    this.#context = null;
  }
}
