/**
 * The native menu and its file actions. The actions go through the same handler table as the
 * renderer's requests (validation, internal-error catching); session changes reach the window
 * through the handlers' 'lab.changed' event.
 */
import {
  BrowserWindow,
  Menu,
  app,
  dialog,
  type MenuItemConstructorOptions,
  type OpenDialogOptions,
  type SaveDialogOptions,
} from 'electron'
import { basename } from 'node:path'
import type { IpcError } from '../../shared/ipc/contract'
import type { LabSession } from '../app/session'
import type { Handlers } from '../app/ipc/handlers'
import { OPENABLE_EXTENSIONS } from './files'
import { readTextFile } from '../app/files/save'
import { needsAnotherName, type LabFiles } from './labfiles'

export interface FileActions {
  /** Ask for a file and load it. */
  open(): Promise<void>
  /** Load `path` (from the command line or a second instance); returns an error text, or null on success. */
  openPath(path: string, options?: { quiet?: boolean }): Promise<string | null>
  loadDefault(): void
  /** Linux: File › Import This Machine (sysfs and /proc, lab.importThisMachine). */
  importThisMachine(): void
  /** Save to the current file (Ctrl+S); Save As when there is none or it must not be overwritten. Resolves true when saved. */
  save(): Promise<boolean>
  saveAs(): Promise<boolean>
  /** The recent files, newest first (File › Open Recent). */
  recent(): string[]
  clearRecent(): Promise<void>
  about(): Promise<void>
  showError(title: string, detail: string): void
}

function describe(error: IpcError): string {
  const lines = error.issues.slice(0, 12).map((i) => {
    const at = i.line !== undefined ? `line ${i.line}${i.column !== undefined ? `:${i.column}` : ''}` : null
    const where = [at, i.path ?? i.nodeId ?? null].filter(Boolean).join(' ')
    return `• ${where ? where + ': ' : ''}${i.message}`
  })
  if (error.issues.length > 12) lines.push(`… and ${error.issues.length - 12} more`)
  return [error.message, ...lines].join('\n')
}

export interface FileActionDeps {
  handlers: Handlers
  session: LabSession
  files: LabFiles
  getWindow: () => BrowserWindow | null
  /** Called after the recent-files list changed (main rebuilds the menu). */
  onRecentChanged?: () => void
}

/** Does this text (or name) claim to be a lab file? Then a failed open protects it from being overwritten. */
function looksLikeLab(path: string, text: string | null): boolean {
  return /\.p2plab$/i.test(path) || (text !== null && text.slice(0, 4096).includes('p2p-dma-lab'))
}

export function createFileActions(deps: FileActionDeps): FileActions {
  const { handlers, session, files, getWindow } = deps
  const recentChanged = (): void => deps.onRecentChanged?.()
  const showError = (title: string, detail: string): void => {
    const win = getWindow()
    const options = { type: 'error' as const, title, message: title, detail }
    void (win ? dialog.showMessageBox(win, options) : dialog.showMessageBox(options))
  }

  const openPath = async (path: string, options: { quiet?: boolean } = {}): Promise<string | null> => {
    const title = `Could not open ${basename(path)}`
    const read = await readTextFile(path)
    let problem: string | null = null
    if (!read.ok) problem = read.message
    else {
      const result = handlers['lab.importText']({ fileName: basename(path), text: read.text })
      if (!result.ok) problem = describe(result.error)
      else if (result.value.importReport?.format === 'lab') {
        session.setFile(path, { saved: true })
        // What the file is now: a later save checks that no other program changed it meanwhile.
        files.remember(path, read.identity)
      }
    }
    if (problem !== null) {
      // A damaged or newer lab file is never overwritten by this app (Save As refuses it).
      if (looksLikeLab(path, read.ok ? read.text : null)) files.protect(path)
      if (!options.quiet) showError(title, problem)
    } else {
      await files.addRecent(path)
      recentChanged()
    }
    return problem
  }

  /**
   * Write the current lab to `path`; on success the lab is clean (unless it changed meanwhile).
   * 'protected': the file must not be overwritten (damaged, newer, read-only): use another name.
   */
  const saveTo = async (path: string, options: { force?: boolean } = {}): Promise<boolean | 'protected'> => {
    const exported = handlers['lab.exportText']()
    if (!exported.ok) {
      showError('Could not save the lab', describe(exported.error))
      return false
    }
    const revision = session.currentRevision
    const saved = await files.save(path, exported.value.text, options)
    if (!saved.ok) {
      if (saved.reason === 'changed') return changedOnDisk(path, saved.message)
      showError(`Could not save ${basename(path)}`, saved.message)
      return needsAnotherName(saved.reason) ? 'protected' : false
    }
    session.setFile(path, { saved: session.currentRevision === revision })
    recentChanged()
    return true
  }

  /** Another program changed the file since it was opened or saved: never overwrite without asking. */
  const changedOnDisk = async (path: string, message: string): Promise<boolean> => {
    const win = getWindow()
    const name = basename(path)
    const options = {
      type: 'warning' as const,
      title: `${name} changed on disk`,
      message: `${name} was changed by another program`,
      detail: `${message}\n\nSave As… keeps both versions. Overwrite replaces theirs with yours (theirs is kept as ${name}.bak when it is a readable lab). Reload from Disk opens theirs and discards your unsaved changes.`,
      buttons: ['Save As…', 'Overwrite', 'Reload from Disk', 'Cancel'],
      defaultId: 0,
      cancelId: 3,
      noLink: true,
    }
    const { response } = await (win ? dialog.showMessageBox(win, options) : dialog.showMessageBox(options))
    if (response === 0) return saveAs()
    if (response === 1) return (await saveTo(path, { force: true })) === true
    if (response === 2) await openPath(path) // theirs replaces the unsaved lab: nothing was saved
    return false
  }

  const saveAs = async (): Promise<boolean> => {
    const win = getWindow()
    const options: SaveDialogOptions = {
      title: 'Save Lab As',
      defaultPath: session.filePath ?? session.fileName,
      filters: [{ name: 'P2P DMA Lab', extensions: ['p2plab'] }],
    }
    const picked = await (win ? dialog.showSaveDialog(win, options) : dialog.showSaveDialog(options))
    if (picked.canceled || !picked.filePath) return false
    return (await saveTo(picked.filePath)) === true
  }

  return {
    showError,
    openPath,
    async open() {
      const win = getWindow()
      const options: OpenDialogOptions = {
        title: 'Open Lab or Topology',
        properties: ['openFile'],
        filters: [
          { name: 'Labs and topologies', extensions: [...OPENABLE_EXTENSIONS] },
          { name: 'All files', extensions: ['*'] },
        ],
      }
      const picked = await (win ? dialog.showOpenDialog(win, options) : dialog.showOpenDialog(options))
      const path = picked.filePaths[0]
      if (picked.canceled || !path) return
      await openPath(path)
    },
    loadDefault() {
      const result = handlers['lab.loadDefault']()
      if (!result.ok) showError('Could not load the default lab', describe(result.error))
    },
    importThisMachine() {
      const result = handlers['lab.importThisMachine']()
      if (!result.ok) showError('Could not import this machine', describe(result.error))
    },
    saveAs,
    async save() {
      const path = session.filePath
      if (path && !files.isProtected(path)) {
        const r = await saveTo(path)
        if (r !== 'protected') return r
      }
      // No file yet, or one this app must not overwrite (damaged or newer): ask for a name.
      return saveAs()
    },
    recent: () => files.recentFiles(),
    async clearRecent() {
      await files.clearRecent()
      recentChanged()
    },
    async about() {
      const info = handlers['app.info']()
      const version = info.ok ? info.value.version : app.getVersion()
      const win = getWindow()
      const options = {
        type: 'info' as const,
        title: 'About P2P DMA Lab',
        message: `P2P DMA Lab ${version}`,
        detail: [
          'Learn, teach and argue about how Linux maps memory for devices: PCI BARs, struct page, GUP, the DMA API, the IOMMU, HMM, PCI P2PDMA and dma-buf.',
          '',
          `Electron ${process.versions.electron ?? '?'} · Chromium ${process.versions.chrome ?? '?'} · Node ${process.versions.node}`,
        ].join('\n'),
      }
      await (win ? dialog.showMessageBox(win, options) : dialog.showMessageBox(options))
    },
  }
}

export interface MenuOptions {
  /** Development build: View › Toggle Developer Tools and Force Reload (never in the installed app). */
  devTools: boolean
  /** Running as a Linux AppImage: Help › Register .p2plab Files with This AppImage (appimage.ts). */
  registerFileType?: () => void
}

export function buildMenu(actions: FileActions, options: MenuOptions): Menu {
  const recent = actions.recent()
  const isMac = process.platform === 'darwin'
  const template: MenuItemConstructorOptions[] = [
    ...(isMac ? [{ role: 'appMenu' as const }] : []),
    {
      label: '&File',
      submenu: [
        { label: 'Open Lab or Topology…', accelerator: 'CmdOrCtrl+O', click: () => void actions.open() },
        {
          label: 'Open Recent',
          submenu: [
            ...recent.map((path) => ({ label: path, click: () => void actions.openPath(path) })),
            ...(recent.length ? [{ type: 'separator' as const }] : []),
            {
              label: 'Clear Recently Opened',
              enabled: recent.length > 0,
              click: () => void actions.clearRecent(),
            },
          ],
        },
        { label: 'Load Default Lab', click: () => actions.loadDefault() },
        ...(process.platform === 'linux'
          ? [{ label: 'Import This Machine (sysfs)', click: () => actions.importThisMachine() }]
          : []),
        { type: 'separator' },
        { label: 'Save Lab', accelerator: 'CmdOrCtrl+S', click: () => void actions.save() },
        { label: 'Save Lab As…', accelerator: 'CmdOrCtrl+Shift+S', click: () => void actions.saveAs() },
        { type: 'separator' },
        isMac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    {
      label: '&View',
      submenu: [
        { role: 'reload' },
        ...(options.devTools ? [{ role: 'forceReload' as const }, { role: 'toggleDevTools' as const }] : []),
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    { role: 'windowMenu' },
    {
      role: 'help',
      submenu: [
        ...(options.registerFileType
          ? [{ label: 'Register .p2plab Files with This AppImage', click: options.registerFileType }]
          : []),
        { label: 'About P2P DMA Lab', click: () => void actions.about() },
      ],
    },
  ]
  return Menu.buildFromTemplate(template)
}
