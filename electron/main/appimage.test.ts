import { spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { desktopEntry, desktopExecArg, registerAppImage } from './appimage'
import { tempDirEach } from '../../tests/helpers/temp-dir'

let dir: string
tempDirEach('appimage-', (d) => (dir = d))

describe('AppImage: registering the .p2plab type with the desktop', () => {
  it('writes the MIME type, a desktop entry that runs this AppImage, the icon, and updates the databases', async () => {
    const appDir = join(dir, 'mount')
    const { mkdirSync } = await import('node:fs')
    mkdirSync(appDir)
    writeFileSync(join(appDir, '.DirIcon'), 'PNG')
    const ran: string[] = []
    const r = await registerAppImage({
      appImage: '/home/u/Apps/P2P DMA Lab-0.1.0.AppImage',
      appDir,
      dataHome: join(dir, 'share'),
      run: async (cmd, args) => {
        ran.push([cmd, ...args].join(' '))
      },
    })
    expect(r.problems).toEqual([])
    const xml = readFileSync(join(dir, 'share/mime/packages/p2p-dma-lab.xml'), 'utf8')
    expect(xml).toContain('<mime-type type="application/x-p2plab+json">')
    expect(xml).toContain('<glob pattern="*.p2plab"/>')
    const desktop = readFileSync(join(dir, 'share/applications/p2p-dma-lab.desktop'), 'utf8')
    expect(desktop).toContain('Exec="/home/u/Apps/P2P DMA Lab-0.1.0.AppImage" %U\n')
    expect(desktop).toContain('MimeType=application/x-p2plab+json;\n')
    expect(readFileSync(join(dir, 'share/icons/hicolor/512x512/apps/p2p-dma-lab.png'), 'utf8')).toBe('PNG')
    expect(ran).toEqual([
      `update-mime-database ${join(dir, 'share/mime')}`,
      `update-desktop-database ${join(dir, 'share/applications')}`,
      'xdg-mime default p2p-dma-lab.desktop application/x-p2plab+json',
    ])
  })

  it('a missing tool is reported, not fatal; no icon is said too', async () => {
    const r = await registerAppImage({
      appImage: '/a.AppImage',
      dataHome: join(dir, 'share'),
      run: async (cmd) => {
        if (cmd === 'xdg-mime') throw Object.assign(new Error('spawn xdg-mime ENOENT'), { code: 'ENOENT' })
      },
    })
    expect(r.problems.join('\n')).toMatch(/no icon found/)
    expect(r.problems.join('\n')).toMatch(/xdg-mime is not installed/)
    expect(r.written).toHaveLength(2)
  })

  it('quotes the AppImage path as the Desktop Entry Specification says', () => {
    expect(desktopExecArg('/a b/x.AppImage')).toBe('"/a b/x.AppImage"')
    expect(desktopExecArg('/a/$HOME"`\\.AppImage')).toBe('"/a/\\\\$HOME\\\\"\\\\`\\\\\\\\.AppImage"')
    expect(desktopEntry('/x.AppImage')).toMatch(/^\[Desktop Entry\]\nType=Application\n/)
  })

  it.skipIf(spawnSync('sh', ['-c', 'command -v desktop-file-validate']).status !== 0)(
    'the desktop entry passes desktop-file-validate',
    () => {
      const f = join(dir, 'p2p-dma-lab.desktop')
      writeFileSync(f, desktopEntry('/home/u/P2P DMA Lab.AppImage'))
      const r = spawnSync('desktop-file-validate', [f], { encoding: 'utf8' })
      expect(r.stdout + r.stderr).toBe('')
    },
  )
})
