import { styleText } from 'node:util';

type Colour = 'red' | 'yellow' | 'green' | 'bold' | 'dim' | 'cyan';

/** Colour only on a terminal, never when NO_COLOR is set (https://no-color.org), never when asked not to. */
export function colourEnabled(
  stream: NodeJS.WriteStream,
  env: NodeJS.ProcessEnv,
  noColourFlag: boolean,
): boolean {
  if (noColourFlag) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return stream.isTTY === true;
}

export type Style = (colour: Colour, text: string) => string;

export function makeStyle(enabled: boolean): Style {
  return (colour, text) => (enabled ? styleText(colour, text, { validateStream: false }) : text);
}
