/**
 * One frame of the app's WebSocket protocols (the class server's attendee frames, the browser
 * harness's messages) read as JSON: a frame that is not JSON is no message, never an exception.
 * Pure: no Node, no Electron, no DOM.
 */

/** The value the frame's JSON text holds (`{ value: null }` for `null`); null when it is not JSON. */
export function parseJsonFrame(text: string): { value: unknown } | null {
  try {
    return { value: JSON.parse(text) as unknown }
  } catch {
    return null
  }
}
