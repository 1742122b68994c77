// The command's side of a line the traced program's runtime says once ("… (said once)", as of a
// NaN left out of a map): each thread says it once of its own, and so does each process under -c
// and each target under -p, and the user read the one warning once per thread.

/** `write`, but a said-once line that was written already is not written again. */
export function onceEach(write: (text: string) => void): (text: string) => void {
  const said = new Set<string>();
  return (text) => {
    if (text.endsWith('(said once)\n')) {
      if (said.has(text)) return;
      said.add(text);
    }
    write(text);
  };
}
