// The words of a `sh -c` script, split as a POSIX shell splits them.

export interface ShellWords {
  words: string[];
  /** Indexes in `words` where a command ends (&&, ||, ;, |). */
  breaks: number[];
}

/** POSIX shell words of a `sh -c` script: quotes, backslashes, and command separators. */
export function shellWords(script: string): ShellWords {
  const words: string[] = [];
  const breaks: number[] = [];
  let word = '';
  let inWord = false;
  const end = () => {
    if (inWord) words.push(word);
    word = '';
    inWord = false;
  };
  for (let i = 0; i < script.length; i++) {
    const c = script[i] as string;
    if (c === "'") {
      const close = script.indexOf("'", i + 1);
      word += script.slice(i + 1, close === -1 ? undefined : close);
      inWord = true;
      i = close === -1 ? script.length : close;
    } else if (c === '"') {
      inWord = true;
      for (i++; i < script.length && script[i] !== '"'; i++) {
        if (script[i] === '\\' && '"\\$`'.includes(script[i + 1] ?? '')) i++;
        word += script[i];
      }
    } else if (c === '\\' && i + 1 < script.length) {
      word += script[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      end();
    } else if (c === ';' || c === '&' || c === '|') {
      end();
      if (script[i + 1] === c) i++;
      breaks.push(words.length);
    } else {
      word += c;
      inWord = true;
    }
  }
  end();
  return { words, breaks };
}
