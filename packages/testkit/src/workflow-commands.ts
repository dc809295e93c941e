/**
 * What the runner reads from a step's stdout (docs.github.com "Workflow commands for GitHub
 * Actions"): annotations, masks, groups and debug lines. The commands GitHub has disabled or
 * replaced by files (`set-env`, `add-path`, `set-output`, `save-state`) and `stop-commands`
 * are not modelled, so a step that prints them fails the run instead of passing with a
 * behaviour GitHub no longer has.
 */
export interface Annotation {
  level: 'error' | 'warning' | 'notice';
  message: string;
  /** `file=…,line=…` properties, as given. */
  properties: Record<string, string>;
}

export interface CommandScan {
  annotations: Annotation[];
  masks: string[];
  /** Disabled or unmodelled commands the step printed. */
  refused: string[];
  /** The log as the Actions UI shows it (commands rendered, debug hidden), before masking. */
  lines: string[];
}

const REFUSED = new Set(['set-env', 'add-path', 'set-output', 'save-state', 'stop-commands', 'echo']);

function unescapeData(text: string): string {
  return text.replace(/%0D/gi, '\r').replace(/%0A/gi, '\n').replace(/%25/g, '%');
}

function unescapeProperty(text: string): string {
  return unescapeData(text).replace(/%3A/gi, ':').replace(/%2C/gi, ',');
}

export function scanWorkflowCommands(output: string): CommandScan {
  const scan: CommandScan = { annotations: [], masks: [], refused: [], lines: [] };
  for (const line of output.split('\n')) {
    const command = /^::([a-z-]+)(?: ([^:]*))?::(.*)$/.exec(line.replace(/\r$/, ''));
    if (!command) {
      if (line !== '') scan.lines.push(line);
      continue;
    }
    const [, name, props = '', data] = command;
    if (REFUSED.has(name)) {
      scan.refused.push(name);
      scan.lines.push(line);
      continue;
    }
    switch (name) {
      case 'add-mask':
        if (unescapeData(data).trim() !== '') scan.masks.push(unescapeData(data));
        break;
      case 'debug':
        break;
      case 'group':
        scan.lines.push(`▸ ${unescapeData(data)}`);
        break;
      case 'endgroup':
        break;
      case 'error':
      case 'warning':
      case 'notice': {
        const properties: Record<string, string> = {};
        for (const pair of props.split(',').filter(Boolean)) {
          const eq = pair.indexOf('=');
          if (eq > 0) properties[pair.slice(0, eq).trim()] = unescapeProperty(pair.slice(eq + 1));
        }
        const message = unescapeData(data);
        scan.annotations.push({ level: name, message, properties });
        scan.lines.push(`${name.toUpperCase()}: ${message}`);
        break;
      }
      default:
        // The runner ignores commands it does not know and prints the line.
        scan.lines.push(line);
    }
  }
  return scan;
}

/** Replaces every mask with `***`, longest first, as the runner's secret masker does. */
export function applyMasks(text: string, masks: Iterable<string>): string {
  let result = text;
  for (const mask of [...new Set(masks)].filter((m) => m.length > 0).sort((a, b) => b.length - a.length)) {
    result = result.split(mask).join('***');
  }
  return result;
}

/** The command files' format: one strict parser, shared with runAction (@berth/emulator). */
export { parseCommandFile } from './action-runner.js';
