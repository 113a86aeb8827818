// Messages next to the control that caused them (a banner far above them was missed), busy
// states for the actions that take seconds on a CPU adapter, and the page-wide reset of both.

import type { Request } from './protocol';

/** The message area beside each group of controls. */
export type NoteArea = 'train' | 'generate' | 'checkpoint' | 'score' | 'profile';

/** Which area a request's answer (or failure) belongs to. */
export function areaOf(about: Request['type'] | 'train'): NoteArea {
  switch (about) {
    case 'generate': return 'generate';
    case 'download': case 'upload': return 'checkpoint';
    case 'score': return 'score';
    case 'profile': return 'profile';
    default: return 'train';
  }
}

export function note(area: NoteArea, text: string, kind: 'info' | 'error' | 'busy' = 'info'): void {
  const el = document.getElementById(`${area}-note`)!;
  el.textContent = text;
  el.dataset.kind = kind;
  el.hidden = text === '';
}

export function clearNotes(): void {
  for (const a of ['train', 'generate', 'checkpoint', 'score', 'profile'] as const) note(a, '');
}

/** Buttons (and the file input) that start a long action, with their label while it runs. */
const BUSY_LABEL: Record<string, string> = {
  generate: 'Drawing…',
  interpolate: 'Drawing…',
  profile: 'Profiling…',
  score: 'Scoring…',
  'download-generator': 'Preparing…',
  'download-run': 'Preparing…',
  upload: 'Loading…',
};
const idle = new Map<string, string>();

/** Marks a control busy (disabled, aria-busy, a label saying so) or idle again. */
export function setBusy(id: string, busy: boolean): void {
  const el = document.getElementById(id) as HTMLButtonElement | HTMLInputElement;
  const label = el instanceof HTMLInputElement ? el.closest('label')?.querySelector('span.file-label') ?? null : el;
  if (busy) {
    if (!idle.has(id) && label !== null) idle.set(id, label.textContent ?? '');
    if (label !== null && BUSY_LABEL[id] !== undefined) label.textContent = BUSY_LABEL[id];
  } else if (idle.has(id) && label !== null) {
    label.textContent = idle.get(id)!;
    idle.delete(id);
  }
  el.setAttribute('aria-busy', String(busy));
  el.dataset.busy = String(busy);
}

export function isBusy(id: string): boolean {
  return document.getElementById(id)?.dataset.busy === 'true';
}

/** The controls a request keeps busy until its answer (or its error) comes back. */
export function busyControls(about: Request['type'] | 'train'): string[] {
  switch (about) {
    case 'generate': return ['generate', 'interpolate'];
    case 'profile': return ['profile'];
    case 'score': return ['score'];
    case 'download': return ['download-generator', 'download-run'];
    case 'upload': return ['upload'];
    default: return [];
  }
}
