// Malformed programs, the error each must get, and where (line:column). Used by the compiler's
// tests and by the command's (which must also exit 2).

export const MALFORMED: [string, RegExp, string][] = [
  ['', /empty program/, '1:1'],
  ['fn:a.js:f', /expected '\{'/, '1:10'],
  ['fn:a.js:f { @x = count() ', /never closed/, '1:11'],
  ['fnx:a.js:f { @x = count() }', /unknown probe type 'fnx'; did you mean fn/, '1:1'],
  ['fn: { @x = count() }', /expected a target/, '1:4'],
  // No close match: the sentence still ends before the list of probes.
  ['BEGIN { } server { }', /unknown probe type 'server'\. Probes are fn:/, '1:11'],
  // A target after a ',' without its probe's type, as a user wrote it.
  ['fnret:a.js:f,server.js:g { }', /unknown probe type 'server': after a ',' comes another probe, its type first \(fnret:server\.js:g\)\. Probes/, '1:14'],
  // The same with a directory in the path; a mistyped type after the ',' is near one, not a target.
  ['fnret:a.js:f,src/b.js:g { }', /unknown probe type 'src': after a ',' comes another probe, its type first \(fnret:src\/b\.js:g\)\./, '1:14'],
  ['fn:a.js:f,fnn:b.js:g { }', /unknown probe type 'fnn'; did you mean fn/, '1:11'],
  ['fn:a.js:f,fns.js:g { }', /unknown probe type 'fns': after a ',' comes another probe, its type first \(fn:fns\.js:g\)\./, '1:11'],
  ['fn:f { @x = count() }', /'f' is not a target/, '1:4'],
  ['line:a.js:f { @x = count() }', /a line probe names a line/, '1:6'],
  ['interval:h:1 { @x = count() }', /interval:s:N or interval:ms:N/, '1:10'],
  ['fn:a.js:f /arg0 > / { @x = count() }', /expected an expression/, '1:19'],
  ['fn:a.js:f // { @x = count() }', /expected '\{'/, '1:30'],
  ['fn:a.js:f { @x = cnt() }', /unknown name 'cnt'; did you mean count/, '1:18'],
  ['fn:a.js:f { @x = count(1) }', /count takes no arguments/, '1:18'],
  ['fn:a.js:f { @x = hist() }', /hist takes one argument/, '1:18'],
  ['fn:a.js:f { @x = count() } fn:b.js:g { @x = sum(arg0) }', /@x is a count\(\) elsewhere/, '1:45'],
  ['fn:a.js:f { printf("%d %d\\n", arg0) }', /2 conversion\(s\) but printf got 1/, '1:13'],
  ['fn:a.js:f { printf("%q\\n", arg0) }', /unknown conversion %q/, '1:21'],
  ['fn:a.js:f { @x = elapsed }', /'elapsed' is not available at fn: probes/, '1:18'],
  ['BEGIN { @x = arg0 }', /'arg0' is not available at BEGIN/, '1:14'],
  ['fn:a.js:f { arg0.x = 1 }', /cannot change the traced program's objects/, '1:13'],
  ['fn:a.js:f { @x = arg0.constructor() }', /calling \.constructor\(\) could run the traced program's code/, '1:23'],
  ['fn:a.js:f { print(@y) }', /@y is never assigned/, '1:19'],
  ['fn:a.js:f { $x = $y + 1 }', /\$y is read before it is assigned/, '1:18'],
  ['fn:a.js:f { @x = "unterminated }', /unterminated string/, '1:18'],
  ['fnret:a.js:f /elapsed > 10x/ { @x = count() }', /a number cannot run into a name$/, '1:27'],
  // A user's first try at a duration (docs/cli.md, Test runners).
  ['fnret:a.js:f /elapsed > 10ms/ { @x = count() }', /cannot run into a name: a duration is a number of nanoseconds, as elapsed is \(10ms is 10e6\)/, '1:27'],
  // pending() takes milliseconds: 100e6 there would be 27 hours.
  ['END { pending(100ms) }', /cannot run into a name: pending\(\) takes a plain number of milliseconds \(pending\(100\)\)$/, '1:18'],
  ['END { pending( 2s) }', /cannot run into a name: pending\(\) takes a plain number of milliseconds \(2s is 2e3 there\)$/, '1:17'],
  ['fn:a.js:f { @x = lhist(arg0, 10, 0, 1) }', /lhist needs min < max/, '1:18'],
  ['fn:a.js:f { arg0 }', /this statement does nothing/, '1:13'],
  ['fn:a.js:f {\n  @x = count();\n  @y = 1 +\n}', /expected an expression, found '\}'/, '4:1'],
];
