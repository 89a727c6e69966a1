// blessed-contrib ships one index.d.ts for its whole barrel; the dashboard loads only the
// sparkline widget (the barrel pulls in maps, canvases and markdown: twice the start-up time).
declare module 'blessed-contrib/lib/widget/sparkline.js' {
  import type { Widgets } from 'blessed';
  export interface SparklineElement extends Widgets.BoxElement {
    /** One title and one series per line pair; each series is scaled to its own range. */
    setData(titles: string[], data: number[][]): void;
  }
  const sparkline: (opts: Omit<Widgets.BoxOptions, 'style'> & { style?: { fg?: string; titleFg?: string } }) => SparklineElement;
  export default sparkline;
}
