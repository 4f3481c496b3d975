/**
 * Readable units (issue #14): no function in electron/engine longer than LIMIT lines unless the line
 * above it says why, as `// long: <reason>`. Run `npx tsx tools/function-length.ts` for the list of
 * offenders (and, with `--all N`, every function over N lines); tools/function-length.test.ts runs
 * the same check in the unit suite so that it stays true.
 *
 * A function is any function declaration, method, constructor, accessor, function expression or
 * arrow function; its length is the count of lines from its first token to its last, nested
 * functions included; a function nested in one that gives a reason shares that reason. Test files
 * (*.test.ts) are not counted.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

export const LIMIT = 80
export const ROOT = fileURLToPath(new URL('..', import.meta.url))

export interface FunctionSpan {
  file: string
  name: string
  line: number
  lines: number
  /** The `// long:` reason on the line above, if any. */
  reason?: string
}

function nameOf(node: ts.Node): string {
  const named = node as ts.Node & { name?: ts.Node }
  if (named.name && ts.isIdentifier(named.name)) return named.name.text
  if (named.name) return named.name.getText()
  if (ts.isConstructorDeclaration(node)) return 'constructor'
  const p = node.parent
  if (p && ts.isVariableDeclaration(p) && ts.isIdentifier(p.name)) return p.name.text
  if (p && ts.isPropertyAssignment(p)) return p.name.getText()
  if (p && ts.isCallExpression(p)) return `(argument of ${p.expression.getText().slice(0, 40)})`
  return '(anonymous)'
}

/** Every function in one source text, with its length in lines. */
export function functionSpans(file: string, text: string): FunctionSpan[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS)
  const lines = text.split('\n')
  const out: FunctionSpan[] = []
  const visit = (node: ts.Node, inherited?: string): void => {
    if (ts.isFunctionLike(node) && (node as ts.FunctionLikeDeclaration).body) {
      const start = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line
      const end = sf.getLineAndCharacterOfPosition(node.getEnd()).line
      // The reason may stand above the statement that holds the function (`export const f = () =>`).
      let stmt: ts.Node = node
      while (
        stmt.parent &&
        !ts.isSourceFile(stmt.parent) &&
        !ts.isBlock(stmt.parent) &&
        !ts.isClassLike(stmt.parent)
      )
        stmt = stmt.parent
      const first = Math.min(start, sf.getLineAndCharacterOfPosition(stmt.getStart(sf)).line)
      const above = first > 0 ? /^\s*\/\/\s*long:\s*(\S.*)$/.exec(lines[first - 1]!) : null
      // A function nested in one whose length has a reason shares it (a generator's body, a callback).
      const reason = above?.[1] ?? inherited
      out.push({ file, name: nameOf(node), line: start + 1, lines: end - start + 1, reason })
      ts.forEachChild(node, (c) => visit(c, reason))
      return
    }
    ts.forEachChild(node, (c) => visit(c, inherited))
  }
  visit(sf)
  return out
}

function sourceFiles(dir: string): string[] {
  const out: string[] = []
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    if (e.isDirectory()) out.push(...sourceFiles(p))
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.endsWith('.d.ts')) out.push(p)
  }
  return out.sort()
}

/** Every function of the engine's sources (paths relative to the repository). */
export function engineFunctions(root = ROOT): FunctionSpan[] {
  return sourceFiles(join(root, 'electron/engine')).flatMap((p) =>
    functionSpans(relative(root, p), readFileSync(p, 'utf8')),
  )
}

/** The functions over the limit that do not say why. */
export function offenders(spans: FunctionSpan[], limit = LIMIT): FunctionSpan[] {
  return spans.filter((s) => s.lines > limit && !s.reason)
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const i = process.argv.indexOf('--all')
  const spans = engineFunctions()
  const shown =
    i >= 0 ? spans.filter((s) => s.lines > Number(process.argv[i + 1] ?? LIMIT)) : offenders(spans)
  for (const s of shown.sort((a, b) => b.lines - a.lines))
    console.log(
      `${String(s.lines).padStart(4)}  ${s.file}:${s.line}  ${s.name}${s.reason ? `  (long: ${s.reason})` : ''}`,
    )
  console.log(
    `${spans.filter((s) => s.lines > 60).length} functions over 60 lines, ${spans.filter((s) => s.lines > 100).length} over 100; ${offenders(spans).length} over ${LIMIT} without a reason`,
  )
}
