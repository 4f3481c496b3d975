#!/usr/bin/env node
/**
 * What electron-builder would give each Linux installer from build/electron-builder.yml, without
 * downloading anything: the AppImage's desktop entry, and the deb's fpm arguments with the files
 * they install (desktop entry, MIME XML), read through electron-builder's own
 * `effectiveOptionComputed` hook, which stops each target just before its tools run.
 *
 *   node tests/helpers/builder-targets.mjs <electronDist> <outDir> <result.json>
 *
 * (electron-builder logs on stdout, so the result goes to a file.)
 *
 * Run in its own process by build/packaging.test.ts (electron-builder keeps global state).
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { Arch, Platform, build } from 'electron-builder'
import yaml from 'js-yaml'

const root = resolve(import.meta.dirname, '../..')
const [electronDist, outDir, resultFile] = process.argv.slice(2)
const config = yaml.load(readFileSync(join(root, 'build/electron-builder.yml'), 'utf8'))
config.electronDist = electronDist
config.directories = { ...config.directories, output: outDir }

const result = { appImage: null, deb: null }
await build({
  projectDir: root,
  targets: Platform.LINUX.createTarget(['AppImage', 'deb'], Arch.x64),
  config,
  effectiveOptionComputed: async (options) => {
    if (Array.isArray(options)) {
      // deb: [fpm arguments, the desktop file it installs]
      const [args, desktopFilePath] = options
      const installs = {}
      for (const a of args) {
        const m = /^(\/.+)=(\/usr\/share\/.+)$/.exec(a)
        if (m) installs[m[2]] = m[2].endsWith('.png') ? '(icon)' : readFileSync(m[1], 'utf8')
      }
      result.deb = { args, desktop: readFileSync(desktopFilePath, 'utf8'), installs }
    } else if (options && typeof options.desktop === 'string') {
      result.appImage = { desktop: options.desktop, desktopFileName: options.desktopFileName }
    }
    return true
  },
})
writeFileSync(resultFile, JSON.stringify(result))
