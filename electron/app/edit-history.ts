/**
 * The undo/redo history of one part of the lab (the machine spec; the scenarios, for exercise
 * edits): the values before (undo) and after (redo) its edits, newest last, at most `limit` undo
 * steps. The stacks belong to one value of that part, the head (the value the last edit, undo or
 * redo left). Any other change of that part (an import, the default lab, a new lab, a CPU change
 * from settings) starts a fresh history: the stacks are dropped when they are next asked for.
 */
export type Direction = 'undo' | 'redo'

export class EditHistory<T> {
  private undoStack: T[] = []
  private redoStack: T[] = []
  private head: T | undefined | null = null

  constructor(private readonly limit: number) {}

  /** An edit replaced `before` (the part as it is now) with `after`: undoable; the redo stack is dropped. */
  edited(before: T, after: T): void {
    const { undo } = this.stacks(before)
    undo.push(before)
    if (undo.length > this.limit) undo.splice(0, undo.length - this.limit)
    this.redoStack = []
    this.head = after
  }

  /** The value undo (or redo) goes back to from `current`; undefined when there is none. */
  next(dir: Direction, current: T | undefined): T | undefined {
    const from = this.stacks(current)[dir]
    return from[from.length - 1]
  }

  /** Undo (or redo) went to `to`, which next() just gave; `current`, the value it left, is kept for the other direction. */
  travelled(dir: Direction, current: T, to: T): void {
    const [from, other] = dir === 'undo' ? [this.undoStack, this.redoStack] : [this.redoStack, this.undoStack]
    from.pop()
    other.push(current)
    this.head = to
  }

  can(dir: Direction, current: T | undefined): boolean {
    if (this.head !== current) return false
    return (dir === 'undo' ? this.undoStack : this.redoStack).length > 0
  }

  /** The stacks, dropped first when `current` is not the value they belong to. */
  private stacks(current: T | undefined): { undo: T[]; redo: T[] } {
    if (this.head !== current) {
      this.undoStack = []
      this.redoStack = []
      this.head = current
    }
    return { undo: this.undoStack, redo: this.redoStack }
  }
}
