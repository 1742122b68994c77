// The bounds of safe-format.ts's formatting, in a module of their own: the command's front reads
// them (the watch verb's default depth) before the program starts, and the formatter would bring
// node:util and the captured built-ins with it.

/**
 * The bounds of one formatting. Like util.inspect's defaults where it has them (depth, items,
 * string length); the value budget bounds the whole output (a wide object at every level would
 * otherwise print 20^3 values).
 */
export const FORMAT_LIMITS = {
  /** Levels of nesting shown; deeper objects print as `[Object]`, `[Array]`, `[Foo]`. */
  depth: 2,
  /** Properties of an object, elements of an array, entries of a Map or Set. */
  items: 20,
  /** Characters of a string inside an object (a string on its own prints whole). */
  string: 200,
  /** Values printed in one formatting, at all levels together. */
  values: 1000,
} as const;
