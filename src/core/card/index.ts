// The model card: its data (build.ts) and its Markdown and HTML renderings, shared by `mlops report` and the panel.
export * from './types';
export * from './build';
export { cardMarkdown, mdEscape } from './markdown';
export { CARD_CSS, cardBody, cardHtml, esc as escapeHtml, sliceChartSvg } from './html';
export { cardTitle } from './text';
