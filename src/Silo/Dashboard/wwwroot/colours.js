// Colours: one hue per service (tasks are coloured by service), lightness by task state (B-TL-1):
// starting (PROVISIONING, PENDING, ACTIVATING) pale, RUNNING full, stopping (DEACTIVATING, STOPPING,
// DEPROVISIONING, or desiredStatus STOPPED) dark.

const HUES = [212, 28, 140, 282, 354, 186, 48, 322, 96, 248, 12, 164, 232, 70, 300, 120];

export const STATES = ['PROVISIONING', 'PENDING', 'ACTIVATING', 'RUNNING', 'DEACTIVATING', 'STOPPING', 'DEPROVISIONING', 'STOPPED'];

/** The phase of a task code's state: 'starting', 'running' or 'stopping'. */
export function phase(code) {
  const last = code & 7;
  const stopping = (code & 8) !== 0;
  if (last >= 4 || stopping) return 'stopping';
  return last === 3 ? 'running' : 'starting';
}

function hash(s) {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) | 0;
  return Math.abs(h);
}

/** The hue of a service by its index in the snapshot; standalone tasks by their group's name. */
export function hueOf(serviceIndex, group) {
  return serviceIndex >= 0 ? HUES[serviceIndex % HUES.length] : HUES[hash(group || '') % HUES.length];
}

export const serviceColour = (serviceIndex, group) => `hsl(${hueOf(serviceIndex, group)} 62% 48%)`;

/** Fill styles per task code (shape * 16 + state), built once per snapshot's shapes. */
export function taskStyles(shapes) {
  const styles = new Array(shapes.length * 16);
  shapes.forEach((s, i) => {
    const h = hueOf(s.service, s.group);
    const starting = `hsl(${h} 70% 82%)`;
    const running = `hsl(${h} 62% 48%)`;
    const stopping = `hsl(${h} 35% 26%)`;
    for (let st = 0; st < 16; st++) {
      const p = phase(st);
      styles[i * 16 + st] = p === 'running' ? running : p === 'starting' ? starting : stopping;
    }
  });
  return styles;
}

export const INSTANCE = {
  fill: '#eef1f5',
  border: '#9aa5b4',
  drainingFill: '#fff1e0',
  draining: '#e8590c',
  interrupted: '#c92a2a',
  spot: '#7048e8',
  terminating: '#868e96',
  launching: '#4dabf7',
  selected: '#1864ab',
  disconnected: '#ced4da',
};

export const SERIES = ['#1c7ed6', '#e8590c', '#2f9e44', '#ae3ec9', '#c92a2a', '#0c8599', '#f08c00', '#5f3dc4', '#66a80f', '#d6336c'];

export const MARKERS = { chaos: '#c92a2a', deployment: '#1c7ed6', spot: '#e8590c' };
