import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { currentWordIndex, WordList, type TimedWord } from "./WordList";

const WORDS: TimedWord[] = [
  { word: "Seven", start: 0.1, end: 0.5 },
  { word: "bright", start: 0.5, end: 0.9 },
  { word: "lanterns.", start: 1.2, end: 1.8 },
];

const current = () => screen.queryAllByTestId("word").filter((b) => b.getAttribute("aria-current") === "true").map((b) => b.textContent);

describe("WordList", () => {
  it("marks the one word under the playhead as it moves", () => {
    const { rerender } = render(<WordList words={WORDS} time={0} onWord={() => {}} />);
    expect(current()).toEqual([]); // before the first word
    rerender(<WordList words={WORDS} time={0.3} onWord={() => {}} />);
    expect(current()).toEqual(["Seven"]);
    rerender(<WordList words={WORDS} time={0.5} onWord={() => {}} />);
    expect(current()).toEqual(["bright"]); // where one word ends and the next starts: the next
    rerender(<WordList words={WORDS} time={1.0} onWord={() => {}} />);
    expect(current()).toEqual([]); // in the pause between words
    rerender(<WordList words={WORDS} time={1.2 - 0.0005} onWord={() => {}} />);
    expect(current()).toEqual(["lanterns."]); // a seek to a word's start lands in it
    expect(screen.getByText("lanterns.")).toHaveClass("take-word", "is-current");
  });

  it("finds one word at most, the last one started", () => {
    const overlapping = [{ word: "a", start: 0, end: 1 }, { word: "b", start: 0.5, end: 1.5 }];
    expect(currentWordIndex(overlapping, 0.7)).toBe(1);
    expect(currentWordIndex(overlapping, 0.2)).toBe(0);
    expect(currentWordIndex(overlapping, 1.5)).toBe(-1);
    expect(currentWordIndex([], 1)).toBe(-1);
  });

  it("calls back with the clicked word; words not heard are struck and cannot be clicked", async () => {
    const onWord = vi.fn();
    render(<WordList words={WORDS} time={0.3} onWord={onWord} className="story-word" heard={(w) => w.start < 1} chosen={(i) => i === 1} label="Words" />);
    await userEvent.click(screen.getByText("bright"));
    expect(onWord).toHaveBeenCalledWith(1, expect.anything());
    const cut = screen.getByText("lanterns.");
    expect(cut).toBeDisabled();
    expect(cut).toHaveClass("story-word", "is-cut");
    await userEvent.click(cut);
    expect(onWord).toHaveBeenCalledTimes(1);
    expect(screen.getByText("bright")).toHaveAttribute("aria-pressed", "true");
    expect(screen.getByLabelText("Words")).toContainElement(cut);
  });
});
