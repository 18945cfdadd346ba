/** The `linebreak` package (Unicode line breaking, UAX #14): the part the reports use. */
declare module 'linebreak' {
  export interface Break {
    /** Where the line may (or must) break: the index in UTF-16 units of the next line's start. */
    readonly position: number;
    /** A mandatory break (after a newline). */
    readonly required: boolean;
  }
  export default class LineBreaker {
    constructor(text: string);
    /** The next break opportunity, null after the last. */
    nextBreak(): Break | null;
  }
}
