import type { MouseEvent, ReactNode } from "react";
import "./WordList.css";

/** A spoken word with its time in the take (seconds from the start of the take). */
export interface TimedWord {
  word: string;
  start: number;
  end: number;
}

/** The word under `time` (seconds in the words' own time): one at most, the last one started
 * (with a millisecond of slack, so that seeking to a word's start always lands in it); -1 when
 * none is. */
export function currentWordIndex(words: readonly TimedWord[], time: number): number {
  let current = -1;
  words.forEach((w, i) => {
    if (time + 0.001 >= w.start && time < w.end) current = i;
  });
  return current;
}

/** A take's words as buttons: the word being heard is highlighted (`aria-current`), and
 * clicking a word calls `onWord` (to seek there). `heard` marks words outside what plays (a
 * trimmed clip: shown struck through, not clickable); `chosen` marks selected words. */
export function WordList({
  words,
  time,
  onWord,
  heard = () => true,
  chosen = () => false,
  className = "take-word",
  label,
}: {
  words: readonly TimedWord[];
  /** The playback position in the words' own time (seconds). */
  time: number;
  onWord: (index: number, event: MouseEvent<HTMLButtonElement>) => void;
  heard?: (word: TimedWord, index: number) => boolean;
  chosen?: (index: number) => boolean;
  /** The buttons' class (its modifiers: is-current, is-chosen, is-cut). */
  className?: string;
  /** An accessible name for the list of words (it is then a named group). */
  label?: string;
}): ReactNode {
  const currentIndex = currentWordIndex(words, time);
  return (
    <p role={label ? "group" : undefined} aria-label={label}>
      {words.map((w, i) => {
        const audible = heard(w, i);
        const current = audible && i === currentIndex;
        const picked = chosen(i);
        return (
          <button
            key={i}
            type="button"
            className={`${className}${current ? " is-current" : ""}${picked ? " is-chosen" : ""}${audible ? "" : " is-cut"}`}
            aria-current={current ? "true" : undefined}
            aria-pressed={picked}
            disabled={!audible}
            data-testid="word"
            onClick={(e) => onWord(i, e)}
          >
            {w.word}
          </button>
        );
      })}
    </p>
  );
}
