/**
 * The engine's public entry point: the kernel model, the scenario runtime, the importers, the QEMU
 * export and the era table. Everything outside electron/engine/ (the application layer, main, the
 * tools, the benchmarks) imports the engine through this file only; lint enforces it.
 *
 * The engine is pure TypeScript: no Electron, no node:* modules, no IPC contract types (those belong
 * to electron/app/, which turns engine values into views). Its folders mirror the kernel's
 * (mm/ gup/ dma/ hmm/ rdma/ block/ dmabuf/ p2pdma/); see README "Architecture".
 */

// Eras: the single table of kernel releases the engine models and what changed in each.
export {
  behaves,
  compareEras,
  eraDef,
  eraIds,
  eraInfo,
  eraInfos,
  eraRelease,
  eraSource,
  has,
  hasMapTypes,
  isEra,
  nameDef,
  nameRange,
  nameTable,
  behaviourTable,
  rangeText,
  p2pRules,
  refusedReadErrno,
  type Distro,
  type EraInfo,
  type KName,
  type P2pRules,
} from './era/index'
// Source keys (S1 … S16, oracle): what each cited kernel text is (docs/kernel/sources.md).
export { SOURCES, sourceInfo, sourceKeys, type SourceInfo } from './sources'

// Topology: the machine spec enumerated as the kernel would (bus numbers, windows, BARs, ACS, CPU).
export { buildMachine, pciName } from './topology/build'
export { applyEdits, emptyMachine, type EditResult } from './topology/edit'
export { linkRuleViolation } from './topology/validate'
export { iomemTree } from './topology/iomem'
export { syntheticMachine, type SyntheticOptions } from './topology/synthetic'
export type { Bar, HostBridge, Machine, PciDev, PcieType, Window } from './topology/types'

// P2PDMA: drivers/pci/p2pdma.c per era.
export {
  computeMatrix,
  explainPair,
  isEndpoint,
  isProvider,
  p2pmemPublished,
  pairVerdict,
  toP2pJson,
  p2pJsonPairs,
  p2pJsonRows,
  type P2pJsonRow,
  matrixVerdicts,
  matrixAssumptions,
  matrixModelNote,
  verdictFor,
  EXPLAIN_LIMIT,
  type MatrixOptions,
} from './p2pdma/matrix'
export { fixAdvice } from './p2pdma/fix'
export { compactMatrix, mapTypeName, MAP_CODE, type CompactMatrix } from './p2pdma/compact'
export { CPU_PRESETS, cpuPreset, cpuSupportsP2pdma, X86_VENDORS } from './p2pdma/cpu'

// Names: the PCI ID database (pci.ids snapshot) and what a function is called.
export { idsName, pciIdentity, isBmcDisplay, type PciIdentity } from './pciids/names'
export { PCI_IDS_VERSION, pciClassName, lspciName } from './pciids/pciids'

// Import and lab files.
export { importText, detectFormat, migrate, type ImportResult } from './import/index'
export { SYSFS_MAGIC, eraOfRelease } from './import/sysfs'
export { loadLab, serializeLab } from './import/lab'
export { defaultLab } from './lab/default-lab'

// QEMU export (the real-kernel oracle's machine).
export {
  qemuCommand,
  qemuCpu,
  shellQuote,
  fillByte,
  Q35_HOST_DEVICE,
  QEMU_ROOT_PORT_ACS_CAP,
  type QemuDevice,
  type QemuExport,
  type QemuExportOptions,
  type QemuRole,
} from './qemu/export'

// Scenario runtime: operations expand into kernel call trees recorded on a Timeline.
export {
  runScenario,
  scenarioMachine,
  DEFAULT_PROC,
  type OpResult,
  type ScenarioResult,
} from './scenario/runner'
export {
  scenarioSchema,
  opSchema,
  operationSchema,
  assertionSchema,
  expectSchema,
  parseSize,
  type Assertion,
  type Expect,
  type Op,
  type Operation,
  type Scenario,
} from './scenario/schema'
export { ScenarioInputError, resolveDev, type OpOutcome } from './scenario/ops'
export { formatStep, stepView, timelineView, VIEW_WINDOW } from './scenario/trace'
export {
  EXERCISE_KINDS,
  EXERCISE_KIND_LABEL,
  EXERCISE_ID,
  exerciseSchema,
  exerciseView,
  exerciseId,
  isCorrect,
  predictionKey,
  answerText,
  answerChoices,
  pairChoices,
  type DeviceResolver,
  type Exercise,
} from './scenario/exercise'
export {
  verifyExercises,
  exerciseCover,
  refusingFunction,
  type ExerciseCheck,
  type ExerciseCover,
} from './scenario/exercise-verify'
export { applyExerciseEdit, type ExerciseEditResult } from './scenario/exercise-edit'
export { builtinScenarios } from './scenario/library'
export * as setup from './scenario/setups'

// Core: addresses, the world, deltas and the timeline.
export { hex } from './core/addr'
export { Timeline, type Recorded, type CallRecord, type TimelineOptions } from './core/timeline'
export type { Delta } from './core/delta'
export type { World } from './core/world'
export { worldView, iomem } from './mm/view'
