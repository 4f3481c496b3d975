/**
 * Public surface of the stepping engine's scenario layer, for the CLI, the session and the IPC.
 */
export { runCommand, loadScenarios, RUN_USAGE, type CliIo } from './cli'
export { runScenario, scenarioMachine, DEFAULT_PROC, type ScenarioResult, type OpResult } from './runner'
export {
  scenarioSchema,
  opSchema,
  assertionSchema,
  parseSize,
  type Scenario,
  type Operation,
  type Assertion,
} from './schema'
export { ScenarioInputError, resolveDev, type OpOutcome } from './ops'
export { formatStep, stepView, timelineView } from './trace'
export { worldView, iomem } from '../mm/view'
