// oxc's ESTree node types, and the child keys of every node type, so that a walk over a 9 MB
// bundle visits children without reflecting over each node's properties.

import type { ArrowFunctionExpression, Function as FunctionNode, Node } from 'oxc-parser';
import { ArrayIsArray } from '../../core/primordials.js';

// oxc-parser re-exports its AST types (the @oxc-project/types package it depends on).
export type {
  AssignmentExpression, BindingIdentifier, CallExpression, Class, ClassElement, Directive, ExportDefaultDeclaration, ExportNamedDeclaration, Expression,
  ForOfStatement, FunctionBody, Node, ObjectExpression, ParamPattern, Program, PropertyKey, ReturnStatement, Span, Statement, VariableDeclarator,
} from 'oxc-parser';

/** A function with a body of code or an arrow: what gets a site. */
export type AnyFunction = FunctionNode | ArrowFunctionExpression;

export const CHILD_KEYS: Partial<Record<Node['type'], readonly string[]>> = {
  Program: ['body'],
  ExpressionStatement: ['expression'],
  BlockStatement: ['body'],
  StaticBlock: ['body'],
  WithStatement: ['object', 'body'],
  ReturnStatement: ['argument'],
  LabeledStatement: ['body'],
  IfStatement: ['test', 'consequent', 'alternate'],
  SwitchStatement: ['discriminant', 'cases'],
  SwitchCase: ['test', 'consequent'],
  ThrowStatement: ['argument'],
  TryStatement: ['block', 'handler', 'finalizer'],
  CatchClause: ['param', 'body'],
  WhileStatement: ['test', 'body'],
  DoWhileStatement: ['body', 'test'],
  ForStatement: ['init', 'test', 'update', 'body'],
  ForInStatement: ['left', 'right', 'body'],
  ForOfStatement: ['left', 'right', 'body'],
  FunctionDeclaration: ['params', 'body'],
  FunctionExpression: ['params', 'body'],
  ArrowFunctionExpression: ['params', 'body'],
  VariableDeclaration: ['declarations'],
  VariableDeclarator: ['id', 'init'],
  ClassDeclaration: ['decorators', 'superClass', 'body'],
  ClassExpression: ['decorators', 'superClass', 'body'],
  ClassBody: ['body'],
  MethodDefinition: ['decorators', 'key', 'value'],
  PropertyDefinition: ['decorators', 'key', 'value'],
  AccessorProperty: ['decorators', 'key', 'value'],
  ArrayExpression: ['elements'],
  ObjectExpression: ['properties'],
  Property: ['key', 'value'],
  SpreadElement: ['argument'],
  RestElement: ['argument'],
  UnaryExpression: ['argument'],
  UpdateExpression: ['argument'],
  BinaryExpression: ['left', 'right'],
  LogicalExpression: ['left', 'right'],
  AssignmentExpression: ['left', 'right'],
  AssignmentPattern: ['left', 'right'],
  ArrayPattern: ['elements'],
  ObjectPattern: ['properties'],
  MemberExpression: ['object', 'property'],
  ChainExpression: ['expression'],
  ConditionalExpression: ['test', 'consequent', 'alternate'],
  CallExpression: ['callee', 'arguments'],
  NewExpression: ['callee', 'arguments'],
  SequenceExpression: ['expressions'],
  TemplateLiteral: ['expressions'],
  TaggedTemplateExpression: ['tag', 'quasi'],
  YieldExpression: ['argument'],
  AwaitExpression: ['argument'],
  ImportExpression: ['source', 'options'],
  ExportNamedDeclaration: ['declaration'],
  ExportDefaultDeclaration: ['declaration'],
  ParenthesizedExpression: ['expression'],
  Decorator: ['expression'],
  // TypeScript's ESTree (oxc-parser), for listing the functions of .ts files that have not loaded.
  TSParameterProperty: ['parameter'],
  TSAsExpression: ['expression'],
  TSSatisfiesExpression: ['expression'],
  TSNonNullExpression: ['expression'],
  TSTypeAssertion: ['expression'],
  TSInstantiationExpression: ['expression'],
  TSExportAssignment: ['expression'],
  TSModuleDeclaration: ['body'],
  TSModuleBlock: ['body'],
  // Leaves: Identifier, PrivateIdentifier, Literal, ThisExpression, Super, MetaProperty,
  // EmptyStatement, DebuggerStatement, BreakStatement, ContinueStatement, TemplateElement,
  // ImportDeclaration, ExportAllDeclaration (no functions inside).
};

function isNode(v: unknown): v is Node {
  return typeof v === 'object' && v !== null && 'type' in v && typeof v.type === 'string';
}

/** Call `each(child, arg)` for every direct child node of `node` (`arg` spares a closure per node in a hot walk). */
export function forEachChild<T>(node: Node, each: (child: Node, arg: T) => void, arg: T): void {
  const keys = CHILD_KEYS[node.type];
  if (keys === undefined) return;
  // The one place a node is read by key: CHILD_KEYS says which keys of its type hold nodes.
  const fields = node as unknown as Record<string, unknown>;
  for (let i = 0; i < keys.length; i++) {
    const v = fields[keys[i]];
    if (ArrayIsArray(v)) {
      for (let j = 0; j < v.length; j++) {
        const c: unknown = v[j];
        if (isNode(c)) each(c, arg);
      }
    } else if (isNode(v)) {
      each(v, arg);
    }
  }
}

/** Names bound by a pattern: `a`, `{ b, c: d }`, `[e, ...f]`, `g = 1`, a TypeScript parameter property's. */
export function patternNames(p: Node | null | undefined, out: string[]): void {
  if (p == null) return;
  switch (p.type) {
    case 'Identifier': out[out.length] = p.name; break;
    case 'AssignmentPattern': patternNames(p.left, out); break;
    case 'RestElement': patternNames(p.argument, out); break;
    case 'ArrayPattern': for (let i = 0; i < p.elements.length; i++) patternNames(p.elements[i], out); break;
    case 'ObjectPattern':
      for (let i = 0; i < p.properties.length; i++) {
        const prop = p.properties[i];
        patternNames(prop.type === 'RestElement' ? prop : prop.value, out);
      }
      break;
    case 'TSParameterProperty': patternNames(p.parameter, out); break;
  }
}

export function isFunction(n: Node): n is AnyFunction {
  return n.type === 'FunctionDeclaration' || n.type === 'FunctionExpression' || n.type === 'ArrowFunctionExpression';
}
