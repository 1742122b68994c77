// A CPU profile slice (the Profiler domain's nodes and samples) → the stack of each sample, top
// first, bounded: the nodes and samples a slice may hold, the frames a stack keeps. No I/O, no
// inspector: profile.ts feeds it what V8 handed over. Its arrays and records have no prototype:
// it runs in the traced program, where a setter on Array.prototype or Object.prototype is the program's.

import { ObjectCreate, StringPrototypeStartsWith } from '../core/primordials.js';
import { bare } from './safe-methods.js';

export interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

export interface ProfileData {
  nodes: ProfileNode[];
  samples?: number[];
}

export interface StackOptions {
  maxNodes: number;
  maxSamples: number;
  /** Samples before this index are left out, not counted as dropped (profile.ts: V8's record of where the profile started). */
  from?: number;
  /** Frames a stack keeps, from the top. */
  maxDepth: number;
  /** A frame of jsprobe's own (its load hooks under a module's code, a handler): left out of the stack, as ustack does. */
  own(url: string): boolean;
  /** A frame's text in ustack (0-based line and column, -1 when V8 has none). */
  frame(name: string, url: string, line: number, column: number): string;
}

export interface Frames {
  func: string;
  /** ustack's text of the top `depth` frames: a frame a line, indented, between newlines. */
  text(depth: number): string;
}

export interface SampleStacks {
  /** By node id: the stack of a sample at that node. */
  stacks: Record<number, Frames>;
  /** The node of each sample that runs the handler, in time order. */
  order: number[];
  /** Samples past the bounds. */
  dropped: number;
}

const INDENT = '        ';
/** V8's nodes that are not frames of a stack: the root, and a thread waiting for work (not on a CPU). */
const ROOT = '(root)';
const IDLE = '(idle)';

export function sampleStacks(profile: ProfileData, o: StackOptions): SampleStacks {
  const byId = ObjectCreate(null) as Record<number, ProfileNode>;
  const parent = ObjectCreate(null) as Record<number, number>;
  const nodes = profile.nodes;
  const kept = nodes.length < o.maxNodes ? nodes.length : o.maxNodes;
  for (let i = 0; i < kept; i++) {
    const n = nodes[i];
    byId[n.id] = n;
    const children = n.children;
    if (children !== undefined) for (let j = 0; j < children.length; j++) parent[children[j]] = n.id;
  }
  const texts = ObjectCreate(null) as Record<number, string>;
  const frameOf = (n: ProfileNode): string => {
    let t = texts[n.id];
    if (t === undefined) texts[n.id] = t = o.frame(n.callFrame.functionName, n.callFrame.url, n.callFrame.lineNumber, n.callFrame.columnNumber);
    return t;
  };
  const stacks = ObjectCreate(null) as Record<number, Frames>;
  const none = ObjectCreate(null) as Record<number, true>;
  const order = bare<number>();
  const samples = profile.samples ?? [];
  let dropped = samples.length > o.maxSamples ? samples.length - o.maxSamples : 0;
  for (let i = o.from ?? 0; i < samples.length && i < o.maxSamples; i++) {
    const id = samples[i];
    if (byId[id] === undefined) {
      dropped++;
      continue;
    }
    if (none[id] === true) continue;
    if (stacks[id] === undefined) {
      const s = stackOf(byId, parent, id, o, frameOf);
      if (s === null) {
        none[id] = true;
        continue;
      }
      stacks[id] = s;
    }
    order[order.length] = id;
  }
  return { stacks, order, dropped };
}

/** The frames from node `id` to the root, top first, but jsprobe's; null when none is left or the thread was idle. */
function stackOf(
  byId: Record<number, ProfileNode>, parent: Record<number, number>, id: number, o: StackOptions, frameOf: (n: ProfileNode) => string,
): Frames | null {
  const chain = bare<ProfileNode>();
  // Whether a frame of the program's is in the chain yet: not a native one or Node's own (what jsprobe calls, its inspector session say).
  let scripted = false;
  for (let at: number | undefined = id; at !== undefined; at = parent[at]) {
    const n: ProfileNode | undefined = byId[at];
    if (n === undefined || n.callFrame.functionName === ROOT) break;
    if (o.own(n.callFrame.url)) {
      // What runs above jsprobe's frames and is not the program's is jsprobe's doing: out with it.
      if (!scripted) chain.length = 0;
      continue;
    }
    const url = n.callFrame.url;
    if (url !== '' && !StringPrototypeStartsWith(url, 'node:')) scripted = true;
    if (chain.length < o.maxDepth) chain[chain.length] = n;
  }
  if (chain.length === 0 || chain[0].callFrame.functionName === IDLE) return null;
  const top = chain[0].callFrame.functionName;
  return {
    func: top === '' ? '<anonymous>' : top,
    text: (depth) => {
      let out = '';
      for (let i = 0; i < chain.length && i < depth; i++) out += `\n${INDENT}${frameOf(chain[i])}`;
      return `${out}\n`;
    },
  };
}
