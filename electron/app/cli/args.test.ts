/** The refusals of the one-file commands' words (oneFileArgs): each exits 2 with its message. */
import { describe, expect, it } from 'vitest'
import { ERAS } from '../../../shared/model/topology'
import { EXERCISES_USAGE, exercisesCommand } from './exercises'
import { RUN_USAGE, runCommand } from './run'
import { memoryIo } from '../../../tests/helpers/cli-io'

const eras = ERAS.join(', ')

describe('lab run and lab exercises refuse bad words with exit 2', () => {
  it.each([
    { argv: ['run', '--bogus'], err: `lab run: unknown option --bogus\n${RUN_USAGE}` },
    { argv: ['--bogus'], err: `lab run: unknown option --bogus\n${RUN_USAGE}` },
    { argv: ['run', 'a.p2plab', 'b.p2plab'], err: RUN_USAGE },
    { argv: ['run', '--era', 'v9'], err: `lab run: unknown era 'v9' (one of ${eras})\n` },
    { argv: ['run', '--json', '--era'], err: `lab run: unknown era '' (one of ${eras})\n` },
    { argv: ['run', '-x'], err: /^lab run: cannot read -x: / },
  ])('lab run $argv', ({ argv, err }) => {
    const io = memoryIo()
    expect(runCommand(argv, io)).toBe(2)
    if (typeof err === 'string') expect(io.err()).toBe(err)
    else expect(io.err()).toMatch(err)
    expect(io.out()).toBe('')
  })

  it.each([
    { argv: ['exercises', '--bogus'], err: `lab exercises: unknown option --bogus\n${EXERCISES_USAGE}` },
    { argv: ['exercises', '-x'], err: `lab exercises: unknown option -x\n${EXERCISES_USAGE}` },
    { argv: ['--answers', '-x'], err: `lab exercises: unknown option -x\n${EXERCISES_USAGE}` },
    { argv: ['exercises', 'a.p2plab', 'b.p2plab'], err: EXERCISES_USAGE },
  ])('lab exercises $argv', ({ argv, err }) => {
    const io = memoryIo()
    expect(exercisesCommand(argv, io)).toBe(2)
    expect(io.err()).toBe(err)
    expect(io.out()).toBe('')
  })
})
