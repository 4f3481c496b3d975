// import.meta.glob as Vite/Vitest provide it (the engine's tsconfig has no vite/client types).
// Only tests use it: to read golden files without node:fs (docs/design.md#the-engine-is-pure-typescript keeps node:* out of the engine).
interface ImportMeta {
  glob<T = unknown>(
    pattern: string,
    options: { query: '?raw'; import: 'default'; eager: true },
  ): Record<string, T>
}
