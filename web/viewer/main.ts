/**
 * Entry of the viewer. The mode comes from the URL (?mode=live|playback; a `data` parameter implies
 * playback); live mode runs the vc models (live.ts), with model=nnlif the NNLIF Fokker–Planck PDE
 * (liveNnlif.ts), with model=elapsed the elapsed-time model (liveElapsed.ts), with model=field the Wilson–Cowan
 * field (liveField.ts), with model=neurons the single-neuron ensembles (liveNeurons.ts). Live mode needs WebGPU; a
 * browser without it is told so plainly and offered playback, which draws with WebGL (regl).
 */
import { createShell, type ViewerMode } from './shell';

const query = new URLSearchParams(location.search);
const mode: ViewerMode = query.get('mode') === 'playback' || (query.has('data') && query.get('mode') !== 'live') ? 'playback' : 'live';
const shell = createShell(mode);

function switchTo(next: ViewerMode) {
  const params = new URLSearchParams(next === mode ? location.search : '');
  params.set('mode', next);
  if (next === 'playback' && query.has('data')) params.set('data', query.get('data')!);
  location.search = params.toString();
}
document.getElementById('mode-live')!.addEventListener('click', () => switchTo('live'));
document.getElementById('mode-playback')!.addEventListener('click', () => switchTo('playback'));

async function start() {
  if (mode === 'live') {
    if (!('gpu' in navigator) || !navigator.gpu) {
      shell.showMessage('Live mode needs WebGPU, which this browser does not provide. Playback of a results folder works without it: use the Playback tab.', 'error');
      return;
    }
    if (query.get('model') === 'nnlif') {
      const { startLiveNnlif } = await import('./liveNnlif');
      await startLiveNnlif(shell);
    } else if (query.get('model') === 'field') {
      const { startLiveField } = await import('./liveField');
      await startLiveField(shell);
    } else if (query.get('model') === 'neurons') {
      const { startLiveNeurons } = await import('./liveNeurons');
      await startLiveNeurons(shell);
    } else if (query.get('model') === 'elapsed') {
      const { startLiveElapsed } = await import('./liveElapsed');
      await startLiveElapsed(shell);
    } else {
      const { startLive } = await import('./live');
      await startLive(shell);
    }
  } else {
    const { startPlayback } = await import('./playback');
    await startPlayback(shell);
  }
}

start().catch((err: unknown) => {
  const text = err instanceof Error ? err.message : String(err);
  shell.showMessage(text, 'error');
  console.error(err);
});
