// ANSI SGR colours and styles to styled segments; other escape sequences are dropped. Streaming: an escape split
// across chunks is held until complete. No DOM here, so it is unit-tested in Node.

export type Color = { ansi: number } | { rgb: string };

export interface Style {
  fg?: Color;
  bg?: Color;
  bold?: boolean;
  dim?: boolean;
  italic?: boolean;
  underline?: boolean;
  inverse?: boolean;
}

export interface Segment {
  text: string;
  style: Style;
}

const ESC = '\x1b';

function color256(n: number): Color {
  if (n < 16) return { ansi: n };
  if (n >= 232) {
    const v = 8 + (n - 232) * 10;
    return { rgb: `rgb(${v}, ${v}, ${v})` };
  }
  const i = n - 16;
  const c = (x: number) => (x === 0 ? 0 : 55 + x * 40);
  return { rgb: `rgb(${c(Math.floor(i / 36))}, ${c(Math.floor(i / 6) % 6)}, ${c(i % 6)})` };
}

export class AnsiParser {
  private style: Style = {};
  private pending = '';

  push(chunk: string): Segment[] {
    const text = this.pending + chunk;
    this.pending = '';
    const out: Segment[] = [];
    let i = 0;
    let plainStart = 0;
    const flushPlain = (end: number) => {
      if (end > plainStart) out.push({ text: text.slice(plainStart, end), style: { ...this.style } });
    };
    while (i < text.length) {
      if (text[i] !== ESC) {
        i++;
        continue;
      }
      flushPlain(i);
      const end = this.sequenceEnd(text, i);
      if (end < 0) {
        this.pending = text.slice(i);
        plainStart = text.length;
        i = text.length;
        break;
      }
      const seq = text.slice(i, end);
      if (seq.startsWith('\x1b[') && seq.endsWith('m')) this.applySgr(seq.slice(2, -1));
      i = end;
      plainStart = i;
    }
    flushPlain(text.length);
    // Merge neighbours with the same style: fewer DOM nodes.
    const merged: Segment[] = [];
    for (const s of out) {
      const last = merged[merged.length - 1];
      if (last && JSON.stringify(last.style) === JSON.stringify(s.style)) last.text += s.text;
      else merged.push(s);
    }
    return merged;
  }

  /** Index just past the escape sequence starting at `i`, or -1 if it is not complete yet. */
  private sequenceEnd(t: string, i: number): number {
    if (i + 1 >= t.length) return -1;
    const kind = t[i + 1];
    if (kind === '[') {
      for (let j = i + 2; j < t.length; j++) {
        const c = t.charCodeAt(j);
        if (c >= 0x40 && c <= 0x7e) return j + 1;
        if (j - i > 64) return j + 1; // runaway: drop it
      }
      return -1;
    }
    if (kind === ']') {
      // OSC: ends with BEL or ESC \
      for (let j = i + 2; j < t.length; j++) {
        if (t[j] === '\x07') return j + 1;
        if (t[j] === ESC && t[j + 1] === '\\') return j + 2;
        if (j - i > 4096) return j + 1;
      }
      return -1;
    }
    return i + 2;
  }

  private applySgr(params: string): void {
    const p = params === '' ? [0] : params.split(';').map((x) => (x === '' ? 0 : Number(x)));
    for (let k = 0; k < p.length; k++) {
      const n = p[k];
      if (n === 0) this.style = {};
      else if (n === 1) this.style.bold = true;
      else if (n === 2) this.style.dim = true;
      else if (n === 3) this.style.italic = true;
      else if (n === 4) this.style.underline = true;
      else if (n === 7) this.style.inverse = true;
      else if (n === 22) this.style.bold = this.style.dim = false;
      else if (n === 23) this.style.italic = false;
      else if (n === 24) this.style.underline = false;
      else if (n === 27) this.style.inverse = false;
      else if (n >= 30 && n <= 37) this.style.fg = { ansi: n - 30 };
      else if (n >= 90 && n <= 97) this.style.fg = { ansi: n - 90 + 8 };
      else if (n >= 40 && n <= 47) this.style.bg = { ansi: n - 40 };
      else if (n >= 100 && n <= 107) this.style.bg = { ansi: n - 100 + 8 };
      else if (n === 39) delete this.style.fg;
      else if (n === 49) delete this.style.bg;
      else if (n === 38 || n === 48) {
        let c: Color | undefined;
        if (p[k + 1] === 5 && p[k + 2] !== undefined) {
          c = color256(p[k + 2]);
          k += 2;
        } else if (p[k + 1] === 2 && p[k + 4] !== undefined) {
          c = { rgb: `rgb(${p[k + 2]}, ${p[k + 3]}, ${p[k + 4]})` };
          k += 4;
        }
        if (c) {
          if (n === 38) this.style.fg = c;
          else this.style.bg = c;
        }
      }
    }
  }
}

export const ANSI_NAMES = [
  'black', 'red', 'green', 'yellow', 'blue', 'magenta', 'cyan', 'white',
  'brightBlack', 'brightRed', 'brightGreen', 'brightYellow', 'brightBlue', 'brightMagenta', 'brightCyan', 'brightWhite',
];
