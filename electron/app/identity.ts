/**
 * Who the installed app is, in one place: the packaging configuration (build/electron-builder.yml,
 * checked against these by build/packaging.test.ts) and main (the Windows AppUserModelID, the
 * settings folder) must agree.
 */

/** electron-builder's appId: the macOS bundle id, and on Windows the AppUserModelID the NSIS
 * installer stamps on its shortcuts — main sets the same one on the process, or the taskbar shows
 * two icons. */
export const APP_ID = 'org.p2pdmalab.app'
/** A development run (`npm start`) groups apart from the installed app on the taskbar. */
export const DEV_APP_ID = `${APP_ID}.dev`

export const PRODUCT_NAME = 'P2P DMA Lab'

/**
 * The settings folder under the OS's per-user application data (Electron's appData): recent files,
 * autosave, and the single-instance lock. Pinned to the package name (not the product name, which
 * would move it), and a separate one for development runs, so `npm start` and the installed app
 * neither share settings nor hand files to each other.
 */
export const USER_DATA_DIR = 'p2p-dma-lab'
export const DEV_USER_DATA_DIR = 'p2p-dma-lab-dev'
