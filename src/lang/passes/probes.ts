// Pass 1: the blocks and the kinds of probe each block runs at. A block may list several probes;
// what a block may read is what every one of its probes can give.

import { report, type PassContext } from './context.js';

export function probesPass(ctx: PassContext): void {
  for (const block of ctx.program.blocks) {
    const kinds = new Set(block.probes.map((p) => p.kind));
    const special = block.probes.filter((p) => p.kind === 'BEGIN' || p.kind === 'END' || p.kind === 'interval');
    if (special.length > 0 && block.probes.length > 1) {
      report(ctx, special[0].at, `${special[0].text} runs on its own: give it a block of its own`);
    }
    ctx.blocks.push({ block, kinds, idents: new Map(), vars: new Set() });
  }
}
