/**
 * The name of the process warnings optdb emits (an idle connection lost, say): a program
 * embedding optdb tells them from Node's own by it, and the CLI prints them in its voice.
 */
export const OPTDB_WARNING = 'OptdbWarning';
