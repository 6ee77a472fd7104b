/**
 * A string that keeps no larger string alive. V8 makes a slice of 13 characters or more a
 * view into the string it was cut from — a whole line, or the 64 KB chunk the line was
 * cut from — and that string stays in memory as long as the slice does. What is kept
 * long (a batch's rows, a parser's known keys) keeps copies.
 */
export function detachedText(text: string): string {
  // Joined, the text is a new string; sliced, that is flattened into a copy of its own.
  return text.length < 13 ? text : (text + ' ').slice(0, -1);
}
