// A progress bar on stderr while sampling: "sampling 4.0s/10s ███████░░░░░░ 812 samples".
// Drawn only on a terminal; elsewhere a line every few seconds keeps logs readable.

export class Progress {
  private readonly tty = Boolean(process.stderr.isTTY);
  private lastLine = 0;
  private drawn = false;

  constructor(
    private readonly label: string,
    private readonly totalMs: number,
  ) {}

  update(elapsedMs: number, detail: string): void {
    const fraction = Math.min(1, this.totalMs > 0 ? elapsedMs / this.totalMs : 1);
    const time = `${(elapsedMs / 1000).toFixed(1)}s/${(this.totalMs / 1000).toFixed(0)}s`;
    if (this.tty) {
      const width = 24;
      const full = Math.round(fraction * width);
      const bar = '█'.repeat(full) + '░'.repeat(width - full);
      process.stderr.write(`\r\x1b[2K${this.label} ${time} ${bar} ${detail}`);
      this.drawn = true;
    } else if (elapsedMs - this.lastLine >= 5000) {
      this.lastLine = elapsedMs;
      process.stderr.write(`${this.label} ${time} ${detail}\n`);
    }
  }

  done(): void {
    if (this.tty && this.drawn) process.stderr.write('\r\x1b[2K');
  }
}
